using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace SegmentService.Bench;

/// <summary>Posts batches of events to a running service over loopback and reports events per second.</summary>
internal static class IngestBench
{
    private static readonly string[] Types = ["view", "view", "view", "click", "add_to_cart", "purchase"];

    public static async Task RunAsync(Dictionary<string, string> options)
    {
        var url = options.Required("url").TrimEnd('/');
        var key = options.Required("key");
        var batches = options.Int("batches", 200);
        var batchSize = options.Int("batch", 500);
        var users = options.Int("users", 20_000);
        var concurrency = options.Int("concurrency", 4);
        var run = Guid.NewGuid().ToString("N")[..8];
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        // Items, so profile categories come from the catalogue.
        var items = new StringBuilder("{\"items\":[");
        for (var i = 0; i < 1000; i++)
        {
            items.Append(i == 0 ? "" : ",").Append("{\"itemId\":\"b-").Append(i).Append("\",\"category\":\"c").Append(i % 20)
                .Append("\",\"price\":").Append(5 + i % 50).Append(",\"inStock\":true}");
        }
        (await client.PostAsync("/items", Content(items.Append("]}").ToString()))).EnsureSuccessStatusCode();

        var bodies = Enumerable.Range(0, batches).Select(b => Batch(run, b, batchSize, users)).ToArray();
        await PostAsync(client, Batch(run + "w", 0, batchSize, users)); // warm-up
        var next = -1;
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int b;
            while ((b = Interlocked.Increment(ref next)) < batches)
            {
                var started = Stopwatch.GetTimestamp();
                await PostAsync(client, bodies[b]);
                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        latencies.Sort();
        Console.WriteLine(
            $"ingest: {batches} batches x {batchSize} events, {concurrency} concurrent, {users} users: " +
            $"{batches * batchSize / seconds:N0} events/s, batch p50 {latencies[latencies.Count / 2]:F0} ms, p95 {latencies[(int)(latencies.Count * 0.95)]:F0} ms");
    }

    private static async Task PostAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/events", Content(body));
        response.EnsureSuccessStatusCode();
    }

    private static StringContent Content(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private static string Batch(string run, int batch, int size, int users)
    {
        var random = new Random(batch);
        var now = DateTimeOffset.UtcNow;
        var json = new StringBuilder("{\"events\":[");
        for (var i = 0; i < size; i++)
        {
            var type = Types[random.Next(Types.Length)];
            json.Append(i == 0 ? "" : ",")
                .Append("{\"eventId\":\"").Append(run).Append('-').Append(batch).Append('-').Append(i)
                .Append("\",\"userId\":\"bu-").Append(random.Next(users))
                .Append("\",\"type\":\"").Append(type)
                .Append("\",\"itemId\":\"b-").Append(random.Next(1200))
                .Append("\",\"occurredAt\":\"").Append(now.AddSeconds(-random.Next(86_400)).ToString("O"));
            if (type == "purchase")
            {
                json.Append("\",\"value\":").Append(5 + random.Next(100)).Append('}');
            }
            else
            {
                json.Append("\"}");
            }
        }
        return json.Append("]}").ToString();
    }
}

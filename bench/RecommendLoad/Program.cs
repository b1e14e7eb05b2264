using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

// Closed-loop HTTP load: C concurrent workers, each sending its next request when the last one answers.
// Runs the trivial endpoint and /recommend in alternating rounds against the same server, so both see
// the same machine state, and prints requests/s, latency percentiles and the ratio.
// Usage: RecommendLoad <baseUrl> <storefrontKey> [concurrency=32] [seconds per round=10] [rounds=2] [items=500]
//        RecommendLoad open <baseUrl> <storefrontKey> <rate/s> [seconds=30] [users=100000] [unknown share=0.1]
//        (open loop at a constant arrival rate, latency from the scheduled send time: OpenLoop.cs)

if (args.Length > 0 && args[0] == "open")
{
    Environment.ExitCode = await OpenLoop.RunAsync(args[1..]);
    return;
}

var baseUrl = args.Length > 0 ? args[0].TrimEnd('/') : "http://127.0.0.1:5080";
var key = args.Length > 1 ? args[1] : "dev-storefront-key-0001";
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32;
var seconds = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 10;
var rounds = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 2;
var items = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 500;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = new Uri(baseUrl),
};
http.DefaultRequestHeaders.Add("X-Api-Key", key);

// A catalogue of `items` items in 10 categories.
for (var start = 0; start < items; start += 1000)
{
    var batch = Enumerable.Range(start, Math.Min(1000, items - start))
        .Select(i => new { itemId = $"bench-{i:00000}", category = $"cat-{i % 10}", price = 10 + i % 90, inStock = true });
    (await http.PostAsJsonAsync("/items", new { items = batch })).EnsureSuccessStatusCode();
}

var endpoints = new (string Name, Func<int, string> Path)[]
{
    ("GET /health/live", _ => "/health/live"),
    ("GET /recommend?count=10", i => $"/recommend?userId=bench-user-{i % 5000}&count=10"),
};

// Warm-up: JIT, connection pool, caches.
await RunAsync(endpoints[0].Path, 2);
await RunAsync(endpoints[1].Path, 2);

var results = endpoints.ToDictionary(e => e.Name, _ => new List<(double Rps, double P50, double P99)>());
for (var round = 0; round < rounds; round++)
{
    foreach (var (name, path) in endpoints)
    {
        var (count, latencies, errors) = await RunAsync(path, seconds);
        latencies.Sort();
        var rps = count / seconds;
        results[name].Add((rps, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]));
        Console.WriteLine($"round {round + 1}  {name,-24} {rps,9:F0} req/s  p50 {latencies[latencies.Count / 2],6:F2} ms  p99 {latencies[(int)(latencies.Count * 0.99)],6:F2} ms  errors {errors}");
    }
}
var trivial = results[endpoints[0].Name].Average(r => r.Rps);
var recommend = results[endpoints[1].Name].Average(r => r.Rps);
Console.WriteLine($"mean over {rounds} rounds: {endpoints[0].Name} {trivial:F0} req/s, {endpoints[1].Name} {recommend:F0} req/s, ratio {recommend / trivial:F2}");

async Task<(int Count, List<double> Latencies, int Errors)> RunAsync(Func<int, string> path, double duration)
{
    var stopAt = Stopwatch.GetTimestamp() + (long)(duration * Stopwatch.Frequency);
    var perWorker = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        var latencies = new List<double>();
        var errors = 0;
        var i = worker;
        while (Stopwatch.GetTimestamp() < stopAt)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path(i), HttpCompletionOption.ResponseContentRead);
            await response.Content.ReadAsByteArrayAsync();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                errors++;
            }
            i += concurrency;
        }
        return (latencies, errors);
    }));
    var all = perWorker.SelectMany(w => w.latencies).ToList();
    return (all.Count, all, perWorker.Sum(w => w.errors));
}

using System.Diagnostics;
using System.Globalization;

/// <summary>
/// Open-loop load: GET /recommend?count=10 sent at a constant arrival rate whatever the answers do, so a slow answer
/// does not slow the load down (wrk and the closed-loop rounds of Program.cs do). Each latency runs from the request's
/// scheduled send time, not from when it was really sent, so a stalled client or server is not hidden
/// (coordinated omission). Users are drawn uniformly from user-000000 .. user-&lt;users × (1 + unknown) − 1&gt;.
/// Usage: RecommendLoad open &lt;baseUrl&gt; &lt;storefrontKey&gt; &lt;rate/s&gt; [seconds=30] [users=100000] [unknown share=0.1]
/// </summary>
internal static class OpenLoop
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: RecommendLoad open <baseUrl> <storefrontKey> <rate/s> [seconds=30] [users=100000] [unknown share=0.1]");
            return 2;
        }
        var baseUrl = args[0].TrimEnd('/');
        var key = args[1];
        var rate = double.Parse(args[2], CultureInfo.InvariantCulture);
        var seconds = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 30;
        var users = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 100_000;
        var unknown = args.Length > 5 ? double.Parse(args[5], CultureInfo.InvariantCulture) : 0.1;
        var span = (int)(users * (1 + unknown));

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var random = new Random(4242);

        // Warm-up at the same rate (connections, JIT), not reported.
        await RunAsync(http, random, span, rate, Math.Min(3, seconds));
        var result = await RunAsync(http, random, span, rate, seconds);
        var sorted = result.Latencies.Where(l => !double.IsNaN(l)).Order().ToArray();
        double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"open loop {rate:F0} req/s for {seconds:F0} s: sent {result.Latencies.Length}, answered {sorted.Length}, errors {result.Errors}, " +
            $"p50 {At(0.5):F2} ms  p99 {At(0.99):F2} ms  p99.9 {At(0.999):F2} ms  max {(sorted.Length == 0 ? double.NaN : sorted[^1]):F2} ms, " +
            $"at most {result.MaxInFlight} in flight, scheduler at most {result.MaxLagMs:F1} ms late"));
        return 0;
    }

    private sealed record Result(double[] Latencies, int Errors, int MaxInFlight, double MaxLagMs);

    private static async Task<Result> RunAsync(HttpClient http, Random random, int span, double rate, double seconds)
    {
        var total = (int)(rate * seconds);
        var latencies = new double[total];
        Array.Fill(latencies, double.NaN);
        var errors = 0;
        var inFlight = 0;
        var maxInFlight = 0;
        var maxLag = 0.0;
        var tasks = new List<Task>(total);
        // The schedule runs on its own thread (not the thread pool, which the answers keep busy) and only queues sends.
        var scheduler = new Thread(() =>
        {
            var start = Stopwatch.GetTimestamp();
            var sent = 0;
            while (sent < total)
            {
                var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                var due = Math.Min(total, (int)(elapsed * rate) + 1);
                for (; sent < due; sent++)
                {
                    var scheduled = start + (long)(sent / rate * Stopwatch.Frequency);
                    maxLag = Math.Max(maxLag, Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds);
                    maxInFlight = Math.Max(maxInFlight, Interlocked.Increment(ref inFlight));
                    tasks.Add(SendAsync(sent, $"/recommend?userId=user-{random.Next(span):000000}&count=10", scheduled));
                }
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal, Name = "open-loop schedule" };
        scheduler.Start();
        await Task.Run(scheduler.Join);
        await Task.WhenAll(tasks);
        return new Result(latencies, errors, maxInFlight, maxLag);

        async Task SendAsync(int index, string path, long scheduled)
        {
            await Task.Yield();
            try
            {
                using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
                await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode)
                {
                    latencies[index] = Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds;
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref errors);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}

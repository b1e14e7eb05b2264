using System.Globalization;
using SegmentService.Bench.EventsLoad;

// A load generator for POST /events: see LoadOptions.Usage, and bench/events-throughput.sh for a full run.
var options = LoadOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"EventsLoad: {error}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

var now = DateTimeOffset.UtcNow;
// Whole seconds, a minute back: every occurredAt is valid for the server however its clock drifts.
var baseTime = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddMinutes(-1);
var generator = new EventGenerator(options.RunId, options.Seed, options.Users, options.Items, baseTime);

if (options.CsvPath is { } csv)
{
    generator.WriteCsv(csv, options.Events, baseTime);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"EventsLoad: wrote {options.Events:N0} rows to {csv}"));
}
if (options.CsvOnly)
{
    return 0;
}

// Bodies are serialised before the clock starts, so the figures measure the service, not this client.
var bodies = new List<byte[]>();
var sizes = new List<int>();
for (long from = 0; from < options.Events; from += options.Batch)
{
    var to = Math.Min(options.Events, from + options.Batch);
    bodies.Add(generator.JsonBatch(from, to));
    sizes.Add((int)(to - from));
}

using var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Concurrency,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
};
using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(120) };
var runner = new LoadRunner(http, new Uri(options.Url!, "/events"), options.Key!);
using var stop = new CancellationTokenSource(options.Timeout);

if (options.Warmup > 0)
{
    // Its own run id, so warm-up rows never collide with the timed ones (or with the CSV).
    var warm = new EventGenerator(options.RunId + "-warmup", options.Seed, options.Users, options.Items, baseTime);
    for (var i = 0; i < options.Warmup; i++)
    {
        var outcome = await runner.PostAsync(warm.JsonBatch((long)i * options.Batch, (long)(i + 1) * options.Batch), stop.Token);
        if (outcome.Failure is not null)
        {
            Console.Error.WriteLine($"EventsLoad: warm-up request failed: {outcome.Failure}");
            return 1;
        }
    }
}

var result = await runner.RunAsync(bodies, sizes, options.Concurrency, stop.Token);
Report.Print(options, result, Console.Out);

var complete = result.FailedRequests == 0 && result.Rejected == 0 && result.Requests == bodies.Count
    && result.Accepted + result.Duplicates == options.Events;
if (!complete)
{
    Console.Error.WriteLine(result.FirstFailure is { } failure
        ? $"EventsLoad: incomplete run; first failure: {failure}"
        : "EventsLoad: incomplete run (timed out, or events were rejected).");
}
return complete ? 0 : 1;

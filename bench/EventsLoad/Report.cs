using System.Globalization;

namespace SegmentService.Bench.EventsLoad;

public static class Report
{
    /// <summary>Prints the figures for people, then one <c>RESULT key=value ...</c> line for scripts.</summary>
    public static void Print(LoadOptions options, LoadResult result, TextWriter output)
    {
        var seconds = result.Elapsed.TotalSeconds;
        var eventsPerSecond = result.Accepted / seconds;
        var requestsPerSecond = result.Requests / seconds;
        var sorted = result.LatenciesMs.Order().ToArray();
        var p50 = Percentile(sorted, 0.50);
        var p95 = Percentile(sorted, 0.95);
        var p99 = Percentile(sorted, 0.99);
        var max = sorted.Length == 0 ? double.NaN : sorted[^1];
        var c = CultureInfo.InvariantCulture;

        output.WriteLine(string.Create(c,
            $"EventsLoad: {result.Events:N0} events in {result.Requests:N0} requests of up to {options.Batch} from {options.Concurrency} clients to {options.Url}"));
        output.WriteLine(string.Create(c,
            $"  accepted {result.Accepted:N0}, duplicates {result.Duplicates:N0}, rejected {result.Rejected:N0}, failed requests {result.FailedRequests:N0}"));
        output.WriteLine(string.Create(c, $"  elapsed {seconds:F2} s"));
        output.WriteLine(string.Create(c, $"  events/s {eventsPerSecond:N0}   requests/s {requestsPerSecond:F1}"));
        output.WriteLine(string.Create(c, $"  latency ms  p50 {p50:F1}  p95 {p95:F1}  p99 {p99:F1}  max {max:F1}"));
        output.WriteLine(string.Create(c,
            $"RESULT events={result.Events} accepted={result.Accepted} duplicates={result.Duplicates} rejected={result.Rejected} failed_requests={result.FailedRequests} requests={result.Requests} elapsed_s={seconds:F3} events_per_s={eventsPerSecond:F0} requests_per_s={requestsPerSecond:F2} p50_ms={p50:F1} p95_ms={p95:F1} p99_ms={p99:F1}"));
    }

    /// <summary>Nearest-rank percentile of ascending values.</summary>
    public static double Percentile(double[] sorted, double fraction)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

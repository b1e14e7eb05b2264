using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SegmentService.Bench.EventsLoad;

/// <summary>What one timed load produced.</summary>
public sealed record LoadResult(
    long Events,
    int Requests,
    long Accepted,
    long Duplicates,
    long Rejected,
    int FailedRequests,
    string? FirstFailure,
    TimeSpan Elapsed,
    double[] LatenciesMs);

/// <summary>Posts pre-built request bodies from N concurrent clients, each taking the next unsent batch.</summary>
public sealed class LoadRunner(HttpClient client, Uri eventsUrl, string apiKey)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<LoadResult> RunAsync(IReadOnlyList<byte[]> bodies, IReadOnlyList<int> sizes, int concurrency, CancellationToken cancellationToken)
    {
        var latencies = new double[bodies.Count];
        Array.Fill(latencies, double.NaN);
        long accepted = 0, duplicates = 0, rejected = 0;
        var failed = 0;
        string? firstFailure = null;
        var next = -1;

        async Task Client()
        {
            int batch;
            while ((batch = Interlocked.Increment(ref next)) < bodies.Count && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var outcome = await PostAsync(bodies[batch], cancellationToken);
                latencies[batch] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (outcome.Failure is null)
                {
                    Interlocked.Add(ref accepted, outcome.Accepted);
                    Interlocked.Add(ref duplicates, outcome.Duplicates);
                    Interlocked.Add(ref rejected, outcome.Rejected);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstFailure, $"batch {batch}: {outcome.Failure}", null);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Client, CancellationToken.None)));
        clock.Stop();

        var sent = latencies.Count(l => !double.IsNaN(l));
        var events = sizes.Take(sent).Sum(s => (long)s);
        return new LoadResult(events, sent, accepted, duplicates, rejected, failed, firstFailure, clock.Elapsed,
            [.. latencies.Where(l => !double.IsNaN(l))]);
    }

    /// <summary>Posts one body; a transport error or a non-200 answer is a failure, never an exception.</summary>
    public async Task<(long Accepted, long Duplicates, long Rejected, string? Failure)> PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, eventsUrl);
            request.Headers.Add("X-Api-Key", apiKey);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = Json;
            using var response = await client.SendAsync(request, cancellationToken);
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var text = Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(answer.Length, 300)));
                return (0, 0, 0, $"HTTP {(int)response.StatusCode}: {text}");
            }
            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            return (root.GetProperty("accepted").GetInt64(), root.GetProperty("duplicates").GetInt64(),
                root.GetProperty("rejected").GetArrayLength(), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (0, 0, 0, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}

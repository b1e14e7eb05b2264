using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using SegmentService.Api.Tests.Learning;

namespace SegmentService.Api.Tests.Behaviour;

/// <summary>
/// The storefront's click path as in the learning tests: clicks are collected and posted in bursts every
/// <see cref="LearningSettings.FeedbackBurstInterval"/>; nothing is posted for unclicked items (their zeros come from the
/// service's windows closing). Clicks only: a purchase would take the item out of the shopper's later slates.
/// </summary>
public sealed class ClickBursts(HttpClient client)
{
    private readonly ConcurrentQueue<(string RecommendationId, string ItemId)> _queue = new();
    private long _applied;
    private long _late;
    private long _failed;

    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Clicks refused as late (409/410): a burst posted after the window closed.</summary>
    public long Late => Interlocked.Read(ref _late);

    /// <summary>Answers that are neither 200 nor a late refusal: a broken run.</summary>

    public long Failed => Interlocked.Read(ref _failed);

    public void Enqueue(string recommendationId, string itemId) => _queue.Enqueue((recommendationId, itemId));

    /// <summary>Posts bursts until <paramref name="stop"/> is cancelled, then a last burst of what is left.</summary>
    public async Task PumpAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(LearningSettings.FeedbackBurstInterval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await BurstAsync();
        }
        await BurstAsync();
    }

    private async Task BurstAsync()
    {
        var burst = new List<(string RecommendationId, string ItemId)>();
        while (_queue.TryDequeue(out var click))
        {
            burst.Add(click);
        }
        await Parallel.ForEachAsync(burst, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, ct) =>
        {
            using var response = await client.PostAsJsonAsync("/feedback/click", new { recommendationId = c.RecommendationId, itemId = c.ItemId }, ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref _applied);
            }
            else if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Gone)
            {
                Interlocked.Increment(ref _late);
            }
            else
            {
                Interlocked.Increment(ref _failed);
            }
        });
    }
}

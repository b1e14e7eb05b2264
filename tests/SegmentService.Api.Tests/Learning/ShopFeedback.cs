using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SegmentService.Api.Tests.Learning;

/// <summary>
/// The storefront's feedback path as in production: clicks are collected and posted in bursts every
/// <see cref="LearningSettings.FeedbackBurstInterval"/>; some also get a purchase. Nothing is sent for items
/// that were not clicked: their zeros come only from the service's windows closing.
/// </summary>
public sealed class ShopFeedback(HttpClient client, ShopHistory history)
{
    private const int Parallelism = 16;

    private readonly ConcurrentQueue<Pending> _queue = new();
    private long _clicksApplied;
    private long _purchasesApplied;
    private readonly ConcurrentDictionary<int, string> _refusals = new();
    private long _refused;
    private long _failed;

    public sealed record Pending(string RecommendationId, string Shopper, int Item, string ItemId, bool Purchase, decimal Amount);

    public long ClicksApplied => Interlocked.Read(ref _clicksApplied);

    public long PurchasesApplied => Interlocked.Read(ref _purchasesApplied);

    /// <summary>Feedback the service refused as late (4xx): it came after the window closed.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Answers that are neither 200 nor a documented refusal (5xx, 401, ...): a broken run.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public string? FirstFailure { get; private set; }

    /// <summary>The first refusal of each status code, for the report.</summary>
    public IReadOnlyDictionary<int, string> Refusals => _refusals;

    public void Enqueue(Pending click) => _queue.Enqueue(click);

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
        var burst = new List<Pending>();
        while (_queue.TryDequeue(out var pending))
        {
            burst.Add(pending);
        }
        await Parallel.ForEachAsync(burst, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (f, ct) =>
        {
            if (await PostAsync("/feedback/click", new { recommendationId = f.RecommendationId, itemId = f.ItemId }, ct))
            {
                Interlocked.Increment(ref _clicksApplied);
                if (f.Purchase
                    && await PostAsync("/feedback/purchase", new { recommendationId = f.RecommendationId, itemId = f.ItemId, amount = f.Amount }, ct))
                {
                    Interlocked.Increment(ref _purchasesApplied);
                    history.RecordPurchase(f.Shopper, f.Item);
                }
            }
        });
    }

    private async Task<bool> PostAsync(string path, object body, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(path, body, ct);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            return answer.GetProperty("applied").GetBoolean();
        }
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Gone or HttpStatusCode.UnprocessableEntity or HttpStatusCode.NotFound)
        {
            Interlocked.Increment(ref _refused);
            if (!_refusals.ContainsKey((int)response.StatusCode))
            {
                _refusals.TryAdd((int)response.StatusCode, $"{path}: {await response.Content.ReadAsStringAsync(ct)}");
            }
            return false;
        }
        if (Interlocked.Increment(ref _failed) == 1)
        {
            FirstFailure = $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
        }
        return false;
    }
}

using System.Buffers;
using Microsoft.Extensions.Options;
using SegmentService.Api.Policy;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Recommendations;

/// <summary>
/// Answers /recommend from memory: candidates (in stock, in the category, not excluded, not bought), the segment's
/// scores (<see cref="PolicyScorer"/>), a slate with exploration and exact propensities, and a queued impression.
/// </summary>
public sealed class Recommender(
    ISegmentDirectory directory,
    InStockCatalog catalog,
    PurchaseHistory purchases,
    QTable table,
    PolicyScorer scorer,
    ImpressionLog impressions,
    IPolicyRandom random,
    IOptions<PolicyOptions> policyOptions,
    IOptions<RecommendOptions> recommendOptions,
    TimeProvider timeProvider)
{
    private readonly PolicyOptions _policy = policyOptions.Value;
    private readonly RecommendOptions _options = recommendOptions.Value;

    public RecommendResponse Recommend(string userId, int count, string? category, IReadOnlyList<string> exclude)
    {
        var assignment = directory.Resolve(userId);
        var all = catalog.View.Candidates(category);
        var candidates = all;
        string[] excluded = [];
        var dropBought = _options.ExcludePurchased && purchases.HasAny(userId);
        if (exclude.Count > 0 || dropBought)
        {
            var left = new HashSet<string>(exclude, StringComparer.Ordinal);
            if (dropBought)
            {
                purchases.CopyTo(userId, left);
            }
            candidates = Array.FindAll(all, id => !left.Contains(id));
            excluded = [.. left];
        }

        var n = candidates.Length;
        var buffer = ArrayPool<double>.Shared.Rent(3 * n);
        try
        {
            var priors = buffer.AsSpan(0, n);
            var means = buffer.AsSpan(n, n);
            var selection = buffer.AsSpan(2 * n, n);
            scorer.Score(table, assignment.SegmentKey, candidates, priors, means, selection);
            var kind = _policy.Exploration == ExplorationKind.Softmax ? ExplorationKind.Softmax : ExplorationKind.EpsilonGreedy;
            var picks = SlateSelector.Select(selection, count, kind, _policy.Epsilon, _policy.Temperature, random);
            // An item counts as explored when it is not among the slate's worth of best means (the greedy slate).
            var greedyFloor = KthLargest(means, picks.Length);

            var now = timeProvider.GetUtcNow();
            var items = new RecommendedItem[picks.Length];
            var shownPriors = new double[picks.Length];
            for (var i = 0; i < picks.Length; i++)
            {
                var index = picks[i].Index;
                items[i] = new RecommendedItem(candidates[index], means[index], picks[i].Propensity, means[index] < greedyFloor);
                shownPriors[i] = priors[index];
            }
            var response = new RecommendResponse(
                "r-" + Guid.CreateVersion7(now).ToString("N"),
                userId,
                new SegmentRef { Key = assignment.SegmentKey, Label = assignment.Label },
                table.Version,
                items);
            impressions.Append(new Impression
            {
                RecommendationId = response.RecommendationId,
                UserId = userId,
                SegmentKey = assignment.SegmentKey,
                RunId = assignment.RunId,
                PolicyVersion = response.PolicyVersion,
                Category = category,
                ItemIds = [.. items.Select(i => i.ItemId)],
                Scores = [.. items.Select(i => i.Score)],
                Propensities = [.. items.Select(i => i.Propensity)],
                Explored = [.. items.Select(i => i.Explored)],
                Priors = shownPriors,
                Excluded = excluded,
                CreatedAt = now,
            });
            return response;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    private static double KthLargest(ReadOnlySpan<double> values, int k)
    {
        if (k == 0 || values.Length == 0)
        {
            return double.NegativeInfinity;
        }
        var top = new PriorityQueue<double, double>(k + 1);
        foreach (var v in values)
        {
            top.Enqueue(v, v);
            if (top.Count > k)
            {
                top.Dequeue();
            }
        }
        return top.Peek();
    }
}

using System.Buffers;
using Microsoft.Extensions.Options;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Policy;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Recommendations;

/// <summary>
/// Answers /recommend from memory: candidates (in stock, in the category, not excluded, not bought), the segment's
/// scores (<see cref="PolicyScorer"/>), the user's own candidates (CF neighbours of their recent items, content matches)
/// blended in with the weight each source earned in the segment, a slate with exploration and exact propensities,
/// and a queued impression.
/// </summary>
public sealed class Recommender(
    ISegmentDirectory directory,
    InStockCatalog catalog,
    PurchaseHistory purchases,
    QTable table,
    PolicyScorer scorer,
    ImpressionLog impressions,
    CandidateSources userSources,
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
        var buffer = ArrayPool<double>.Shared.Rent(4 * n);
        try
        {
            var priors = buffer.AsSpan(0, n);
            var means = buffer.AsSpan(n, n);
            var selection = buffer.AsSpan(2 * n, n);
            scorer.Score(table, assignment.SegmentKey, candidates, priors, means, selection);
            var segmentOnly = buffer.AsSpan(3 * n, n);
            selection.CopyTo(segmentOnly);
            var proposedBy = Blend(userId, assignment.SegmentKey, candidates, means, selection);
            // A proposed item the segment's own scores would have put in the slate anyway is the segment's choice: crediting
            // the user's source with it would make that source's cell learn the segment's best items' value, not what the
            // source adds (a popularity segment's co-clicked best sellers would make CF look good there).
            var segmentFloor = proposedBy is null ? double.PositiveInfinity : KthLargest(segmentOnly, Math.Min(count, n));
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
                var explored = means[index] < greedyFloor;
                var source = (segmentOnly[index] < segmentFloor ? proposedBy?.GetValueOrDefault(index) : null)
                    ?? (explored ? RecommendedItem.ExploreSource : RecommendedItem.SegmentSource);
                items[i] = new RecommendedItem(candidates[index], means[index], picks[i].Propensity, explored, source);
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
                Sources = [.. items.Select(i => i.Source)],
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

    /// <summary>
    /// Adds to each candidate the user's own sources propose affinity × the lift that source earned in the segment
    /// (<see cref="PolicyScorer.SourceLift"/>); returns which candidate indices a source proposed, null when none.
    /// </summary>
    private Dictionary<int, string>? Blend(string userId, string segmentKey, string[] candidates, Span<double> means, Span<double> selection)
    {
        var proposals = _options.UserCandidates > 0 ? userSources.ForUser(userId, _options.UserCandidates) : [];
        if (proposals.Count == 0)
        {
            return null;
        }
        var lifts = new Dictionary<CandidateSource, double>();
        var byItem = new Dictionary<string, double>(proposals.Count, StringComparer.Ordinal);
        var sourceOf = new Dictionary<string, string>(proposals.Count, StringComparer.Ordinal);
        foreach (var p in proposals)
        {
            if (!lifts.TryGetValue(p.Source, out var lift))
            {
                lift = scorer.SourceLift(table, segmentKey, p.SourceName);
                lifts[p.Source] = lift;
            }
            // An item two sources propose keeps the larger contribution and the name of the source that gave it.
            var bonus = p.Affinity * lift;
            if (!byItem.TryGetValue(p.ItemId, out var existing) || bonus > existing)
            {
                byItem[p.ItemId] = bonus;
                sourceOf[p.ItemId] = p.SourceName;
            }
        }
        var proposed = new Dictionary<int, string>();
        for (var i = 0; i < candidates.Length; i++)
        {
            if (byItem.TryGetValue(candidates[i], out var bonus))
            {
                means[i] += bonus;
                selection[i] += bonus;
                proposed[i] = sourceOf[candidates[i]];
            }
        }
        return proposed;
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

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
    Shortlists shortlists,
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
        var view = catalog.View;
        var all = view.Candidates(category);
        HashSet<string>? left = null;
        string[] excluded = [];
        if (exclude.Count > 0 || (_options.ExcludePurchased && purchases.HasAny(userId)))
        {
            left = new HashSet<string>(exclude, StringComparer.Ordinal);
            if (_options.ExcludePurchased)
            {
                purchases.CopyTo(userId, left);
            }
            excluded = [.. left];
        }
        var proposals = _options.UserCandidates > 0 ? userSources.ForUser(userId, _options.UserCandidates) : [];

        // A catalogue part up to Recommend:FullScanLimit is scored whole; a larger one through the segment's shortlist
        // and the user's own candidates, with ε-exploration over all of it.
        var pool = all.Length > _options.FullScanLimit ? PoolOf(all, category, view, left) : null;
        var candidates = pool is null ? null : shortlists.Candidates(assignment.SegmentKey, category, view, pool, proposals);
        if (candidates is null || candidates.Length < Math.Min(count, pool!.Size))
        {
            pool = null;
            candidates = left is null ? all : Array.FindAll(all, id => !left.Contains(id));
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
            // What the segment alone would show, with the slots the bound holds for its best means: without the bound
            // here, a best seller the bonus outbids would count as the user's source's pick whenever that source proposed it.
            scorer.ReserveGreedySlots(means, segmentOnly, count);
            var proposedBy = Blend(proposals, count, assignment.SegmentKey, candidates, means, selection);
            // A proposed item the segment's own scores would have put in the slate anyway is the segment's choice: crediting
            // the user's source with it would make that source's cell learn the segment's best items' value, not what the
            // source adds (a popularity segment's co-clicked best sellers would make CF look good there).
            var segmentFloor = proposedBy is null ? double.PositiveInfinity : PolicyScorer.KthLargest(segmentOnly, Math.Min(count, n));
            scorer.ReserveGreedySlots(means, selection, count);
            var picks = Pick(candidates, selection, count, pool);
            // An item counts as explored when it is not among the slate's worth of best means (the greedy slate).
            var greedyFloor = PolicyScorer.KthLargest(means, picks.Length);

            var now = timeProvider.GetUtcNow();
            var items = new RecommendedItem[picks.Length];
            var shownPriors = new double[picks.Length];
            for (var i = 0; i < picks.Length; i++)
            {
                var (index, itemId, propensity) = picks[i];
                var (prior, mean) = index >= 0 ? (priors[index], means[index]) : ScoreOne(assignment.SegmentKey, itemId);
                var explored = mean < greedyFloor;
                var source = (index >= 0 && segmentOnly[index] < segmentFloor ? proposedBy?.GetValueOrDefault(index) : null)
                    ?? (explored ? RecommendedItem.ExploreSource : RecommendedItem.SegmentSource);
                items[i] = new RecommendedItem(itemId, mean, propensity, explored, source);
                shownPriors[i] = prior;
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

    private PoolPick[] Pick(string[] candidates, ReadOnlySpan<double> selection, int count, CandidatePool? pool)
    {
        var kind = _policy.Exploration == ExplorationKind.Softmax ? ExplorationKind.Softmax : ExplorationKind.EpsilonGreedy;
        if (pool is not null && kind == ExplorationKind.EpsilonGreedy)
        {
            return PoolSlate.Select(candidates, selection, count, _policy.Epsilon, pool, random);
        }
        return [.. SlateSelector.Select(selection, count, kind, _policy.Epsilon, _policy.Temperature, random)
            .Select(p => new PoolPick(p.Index, candidates[p.Index], p.Propensity))];
    }

    private static CandidatePool PoolOf(string[] all, string? category, CatalogView view, HashSet<string>? left)
    {
        var excludedInPart = 0;
        foreach (var id in left ?? [])
        {
            if (view.CategoryOf.TryGetValue(id, out var itemCategory) && (category is null || itemCategory == category))
            {
                excludedInPart++;
            }
        }
        return new CandidatePool(all, left, all.Length - excludedInPart);
    }

    private (double Prior, double Mean) ScoreOne(string segmentKey, string itemId)
    {
        Span<double> prior = stackalloc double[1];
        Span<double> mean = stackalloc double[1];
        Span<double> selection = stackalloc double[1];
        scorer.Score(table, segmentKey, [itemId], prior, mean, selection);
        return (prior[0], mean[0]);
    }

    /// <summary>
    /// Adds to each candidate the user's own sources propose (affinity / that source's typical shown affinity) × the lift
    /// that source earned in the segment (<see cref="PolicyScorer.SourceLift"/>); returns which candidate indices a source
    /// proposed, null when none.
    /// </summary>
    /// <remarks>
    /// The lift is learnt as what the source's shown items earned on average above the segment's level, so it is scaled
    /// to the source's typical shown item: the mean affinity of its first slate's worth of proposals (affinities come best
    /// first, 1 for the source's best). Without this the lift applied only to the user's single best candidate, and the
    /// typical proposal got a fraction of what its kind earns.
    /// </remarks>
    private Dictionary<int, string>? Blend(
        IReadOnlyList<Candidate> proposals, int count, string segmentKey, string[] candidates, Span<double> means, Span<double> selection)
    {
        if (proposals.Count == 0)
        {
            return null;
        }
        var lifts = new Dictionary<CandidateSource, double>();
        var typical = TypicalAffinities(proposals, count);
        var byItem = new Dictionary<string, double>(proposals.Count, StringComparer.Ordinal);
        var sourceOf = new Dictionary<string, string>(proposals.Count, StringComparer.Ordinal);
        foreach (var p in proposals)
        {
            if (!lifts.TryGetValue(p.Source, out var lift))
            {
                lift = scorer.SourceLift(table, segmentKey, p.SourceName) / typical[p.Source];
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

    /// <summary>Per source: the mean affinity of its first <paramref name="count"/> proposals (they come best first).</summary>
    private static Dictionary<CandidateSource, double> TypicalAffinities(IReadOnlyList<Candidate> proposals, int count)
    {
        var sums = new Dictionary<CandidateSource, (double Sum, int N)>();
        foreach (var p in proposals)
        {
            var (sum, n) = sums.GetValueOrDefault(p.Source);
            if (n < count)
            {
                sums[p.Source] = (sum + p.Affinity, n + 1);
            }
        }
        return sums.ToDictionary(s => s.Key, s => Math.Max(s.Value.Sum / s.Value.N, 1e-3));
    }
}

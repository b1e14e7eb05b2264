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
        var buffer = ArrayPool<double>.Shared.Rent(5 * n);
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
            var segmentValues = buffer.AsSpan(4 * n, n);
            means.CopyTo(segmentValues);
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
            var stride = BlendRegression.FeatureCount;
            var features = new double[picks.Length * stride];
            for (var i = 0; i < picks.Length; i++)
            {
                var (index, itemId, propensity) = picks[i];
                var (prior, mean) = index >= 0 ? (priors[index], means[index]) : ScoreOne(assignment.SegmentKey, itemId);
                var explored = mean < greedyFloor;
                Proposal? proposal = index >= 0 && proposedBy is not null && proposedBy.TryGetValue(index, out var found) ? found : null;
                var source = (index >= 0 && segmentOnly[index] < segmentFloor ? proposal?.Source : null)
                    ?? (explored ? RecommendedItem.ExploreSource : RecommendedItem.SegmentSource);
                items[i] = new RecommendedItem(itemId, mean, propensity, explored, source);
                shownPriors[i] = prior;
                features[i * stride] = index >= 0 ? segmentValues[index] : mean;
                proposal?.Affinities.CopyTo(features, i * stride + 1);
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
                BlendFeatures = features,
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

    /// <summary>A candidate the user's own sources proposed: the source credited with it and each blended source's relative affinity.</summary>
    private readonly record struct Proposal(string Source, double[] Affinities);

    /// <summary>
    /// Adds to each candidate the user's own sources propose Σ_src x_src × weight(s, src), x_src = affinity / that source's
    /// typical shown affinity, weight the segment's learnt blend weight (<see cref="PolicyScorer.BlendWeights"/>: the served
    /// one to its mean, which ranks the greedy slots; the source's optimism to its selection score, which ranks the
    /// exploration slots); returns the proposed candidates by index, null when none.
    /// </summary>
    /// <remarks>
    /// The affinity is scaled to the source's typical shown item (the mean affinity of its first slate's worth of
    /// proposals; affinities come best first, 1 for the source's best) so that x ≈ 1 for a typical proposal, for every
    /// user, and the regression's coefficient means the same thing whoever is asking.
    /// </remarks>
    private Dictionary<int, Proposal>? Blend(
        IReadOnlyList<Candidate> proposals, int count, string segmentKey, string[] candidates, Span<double> means, Span<double> selection)
    {
        if (proposals.Count == 0)
        {
            return null;
        }
        var sources = PolicyScorer.BlendedSources.Count;
        Span<double> served = stackalloc double[sources];
        Span<double> exploration = stackalloc double[sources];
        scorer.BlendWeights(table, segmentKey, served, exploration);
        var typical = TypicalAffinities(proposals, count);
        var byItem = new Dictionary<string, double[]>(proposals.Count, StringComparer.Ordinal);
        foreach (var p in proposals)
        {
            var index = PolicyScorer.BlendIndex(p.SourceName);
            if (index < 0)
            {
                continue;
            }
            if (!byItem.TryGetValue(p.ItemId, out var affinities))
            {
                affinities = new double[sources];
                byItem[p.ItemId] = affinities;
            }
            affinities[index] = Math.Max(affinities[index], p.Affinity / typical[p.Source]);
        }
        var proposed = new Dictionary<int, Proposal>();
        for (var i = 0; i < candidates.Length; i++)
        {
            if (!byItem.TryGetValue(candidates[i], out var affinities))
            {
                continue;
            }
            var credited = 0;
            for (var j = 0; j < sources; j++)
            {
                means[i] += served[j] * affinities[j];
                selection[i] += exploration[j] * affinities[j];
                // The source that adds the most is credited (by affinity while neither adds anything).
                var (mine, best) = ((served[j] + exploration[j]) * affinities[j], (served[credited] + exploration[credited]) * affinities[credited]);
                if (mine > best || (mine == best && affinities[j] > affinities[credited]))
                {
                    credited = j;
                }
            }
            proposed[i] = new Proposal(PolicyScorer.BlendedSources[credited], affinities);
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

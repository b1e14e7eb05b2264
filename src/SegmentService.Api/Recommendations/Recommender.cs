using Microsoft.Extensions.Options;
using SegmentService.Api.Policy;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Recommendations;

/// <summary>
/// Answers /recommend from memory: candidates (in stock, in the category, not excluded, not bought),
/// scores (the segment's Q-row, else priors), a slate with exploration, and a queued impression.
/// </summary>
public sealed class Recommender(
    ISegmentDirectory directory,
    InStockCatalog catalog,
    PurchaseHistory purchases,
    QTable table,
    ItemPriors priors,
    ImpressionLog impressions,
    NextSegmentBootstraps bootstraps,
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
        // γ > 0: this request reveals s' for the user's earlier rewards; their deferred updates are queued (no I/O here).
        bootstraps.OnRecommend(userId, assignment.SegmentKey);
        var all = catalog.View.Candidates(category);
        var candidates = all;
        var dropBought = _options.ExcludePurchased && purchases.HasAny(userId);
        if (exclude.Count > 0 || dropBought)
        {
            var left = new HashSet<string>(exclude, StringComparer.Ordinal);
            if (dropBought)
            {
                purchases.CopyTo(userId, left);
            }
            candidates = Array.FindAll(all, id => !left.Contains(id));
        }

        var scores = new double[candidates.Length];
        table.Row(assignment.SegmentKey).Read(candidates, scores);
        priors.FillMissing(assignment.SegmentKey, candidates, scores);
        var picks = SlateSelector.Select(scores, count, _policy.Exploration, _policy.Epsilon, _policy.Temperature, random);

        var now = timeProvider.GetUtcNow();
        var items = new RecommendedItem[picks.Length];
        for (var i = 0; i < picks.Length; i++)
        {
            items[i] = new RecommendedItem(candidates[picks[i].Index], picks[i].Score, picks[i].Propensity, picks[i].Explored);
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
            CreatedAt = now,
        });
        return response;
    }
}

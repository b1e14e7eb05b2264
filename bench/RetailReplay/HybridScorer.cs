namespace RetailReplay;

/// <summary>
/// Item-to-item CF (the service's Behaviour sources, in process) + userWeight × user-based CF, each scaled to max 1,
/// + popularityWeight × popularity (scaled to max 1); popularity fills the rest.
/// </summary>
public sealed class HybridScorer(string name, BehaviourScorer items, UserCfScorer users, double userWeight, double popularityWeight) : IScorer
{
    public string Name => name;

    public ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count)
    {
        var scores = Scaled(items.Scores(invoice, history));
        foreach (var (item, score) in Scaled(users.Scores(invoice, history)))
        {
            scores[item] = scores.GetValueOrDefault(item) + userWeight * score;
        }
        CosineScorer.Blend(scores, history, popularityWeight);
        return ValueTask.FromResult(Rank.TopThenPopular(scores, history, Rank.Bought(history, invoice.CustomerId), count));
    }

    /// <summary>The item model learns from every invoice; the user model reads the shared history.</summary>
    public ValueTask ObserveAsync(Invoice invoice, IReadOnlyList<string> recommended) => items.ObserveAsync(invoice, recommended);

    private static Dictionary<int, double> Scaled(Dictionary<int, double> scores)
    {
        var max = scores.Count == 0 ? 0 : scores.Values.Max();
        return max <= 0 ? scores : scores.ToDictionary(s => s.Key, s => s.Value / max);
    }
}

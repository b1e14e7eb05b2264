namespace RetailReplay;

/// <summary>
/// Item-to-item cosine over basket co-occurrence (count / √(n_a·n_b)): the top neighbours of the customer's last
/// <c>recent</c> distinct items, weighted <c>decay^age</c>, summed. With <c>popularityWeight</c> = 0 popularity only
/// fills the rest; otherwise score = cosine (scaled to max 1) + weight × popularity (scaled to max 1).
/// </summary>
public sealed class CosineScorer(string name, int recent = 30, double decay = 0.9, int neighbours = 50, double popularityWeight = 0, bool neighboursByCount = false) : IScorer
{
    public string Name => name;

    public ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count)
    {
        var bought = Rank.Bought(history, invoice.CustomerId);
        var items = Rank.Recent(history, invoice.CustomerId);
        var scores = new Dictionary<int, double>();
        var weight = 1.0;
        for (var k = items.Count - 1; k >= 0 && k >= items.Count - recent; k--, weight *= decay)
        {
            var h = items[k];
            var nh = history.BasketCount[h];
            double Cos(int b, double n) => n / Math.Sqrt((double)nh * history.BasketCount[b]);
            var top = neighboursByCount
                ? CoPurchaseCountScorer.Top(history.Baskets[h], neighbours, kv => kv.Value).Select(x => (x.Item, Cos(x.Item, x.Score)))
                : CoPurchaseCountScorer.Top(history.Baskets[h], neighbours, kv => Cos(kv.Key, kv.Value));
            foreach (var (b, cos) in top)
            {
                scores[b] = scores.GetValueOrDefault(b) + weight * cos;
            }
        }
        if (popularityWeight > 0)
        {
            Blend(scores, history, popularityWeight);
        }
        return ValueTask.FromResult(Rank.TopThenPopular(scores, history, bought, count));
    }

    public static void Blend(Dictionary<int, double> scores, ShopHistory history, double popularityWeight)
    {
        var max = scores.Count == 0 ? 0 : scores.Values.Max();
        if (max > 0)
        {
            foreach (var key in scores.Keys.ToList())
            {
                scores[key] /= max;
            }
        }
        var ranked = history.PopularRanked();
        if (ranked.Length > 0)
        {
            double top = history.Popularity[ranked[0]];
            foreach (var item in ranked)
            {
                scores[item] = scores.GetValueOrDefault(item) + popularityWeight * history.Popularity[item] / top;
            }
        }
    }
}

/// <summary>
/// User-based CF: customers whose item sets overlap the customer's last <c>recent</c> items, by cosine over
/// distinct-item sets; the top <c>neighbours</c> vote for their items with their similarity; popularity fills.
/// </summary>
public sealed class UserCfScorer(int recent = 30, int neighbours = 50, double popularityWeight = 0) : IScorer
{
    public string Name => popularityWeight > 0 ? $"user-based CF (k={neighbours}) + {popularityWeight} × popularity" : $"user-based CF (k={neighbours})";

    public ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count)
    {
        var scores = Scores(invoice, history);
        if (popularityWeight > 0)
        {
            CosineScorer.Blend(scores, history, popularityWeight);
        }
        return ValueTask.FromResult(Rank.TopThenPopular(scores, history, Rank.Bought(history, invoice.CustomerId), count));
    }

    /// <summary>Each item's summed similarity of the peers who bought it.</summary>
    public Dictionary<int, double> Scores(Invoice invoice, ShopHistory history)
    {
        var items = Rank.Recent(history, invoice.CustomerId);
        var scores = new Dictionary<int, double>();
        if (history.Customers.TryGetValue(invoice.CustomerId, out var self))
        {
            var overlap = new Dictionary<int, int>();
            for (var k = items.Count - 1; k >= 0 && k >= items.Count - recent; k--)
            {
                foreach (var v in history.Buyers[items[k]])
                {
                    if (v != self)
                    {
                        overlap[v] = overlap.GetValueOrDefault(v) + 1;
                    }
                }
            }
            var size = Math.Min(recent, items.Count);
            var peers = overlap.Select(o => (User: o.Key, Sim: o.Value / Math.Sqrt((double)size * history.CustomerBought[o.Key].Count)))
                .OrderByDescending(p => p.Sim).ThenBy(p => p.User).Take(neighbours);
            foreach (var (user, sim) in peers)
            {
                foreach (var item in history.CustomerBought[user])
                {
                    scores[item] = scores.GetValueOrDefault(item) + sim;
                }
            }
        }
        return scores;
    }
}

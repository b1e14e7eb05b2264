namespace RetailReplay;

/// <summary>Proposes 10 items before an invoice and learns from the invoice after scoring.</summary>
public interface IScorer
{
    string Name { get; }
    /// <summary>Asked even for invoices that are not scored (the service learns from every answer).</summary>
    bool AskAlways => false;
    ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count);
    ValueTask ObserveAsync(Invoice invoice, IReadOnlyList<string> recommended) => ValueTask.CompletedTask;
}

/// <summary>Ranking helpers shared by the offline baselines.</summary>
public static class Rank
{
    /// <summary>The best <paramref name="count"/> by score (ties: lower id), then popularity fills the rest; never a bought item.</summary>
    public static IReadOnlyList<string> TopThenPopular(Dictionary<int, double> scores, ShopHistory history, HashSet<int> bought, int count)
    {
        var chosen = scores.Where(s => s.Value > 0 && !bought.Contains(s.Key))
            .OrderByDescending(s => s.Value).ThenBy(s => s.Key).Take(count).Select(s => s.Key).ToList();
        foreach (var item in history.PopularRanked())
        {
            if (chosen.Count >= count)
            {
                break;
            }
            if (!bought.Contains(item) && !chosen.Contains(item))
            {
                chosen.Add(item);
            }
        }
        return chosen.Select(i => history.Names[i]).ToList();
    }

    public static HashSet<int> Bought(ShopHistory history, string customer) =>
        history.Customers.TryGetValue(customer, out var c) ? history.CustomerBought[c] : [];

    public static List<int> Recent(ShopHistory history, string customer) =>
        history.Customers.TryGetValue(customer, out var c) ? history.CustomerItems[c] : [];
}

public sealed class RandomScorer(int seed) : IScorer
{
    private readonly Random _random = new(seed);
    public string Name => "random item";

    public ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count)
    {
        // Items sold so far (other scorers may register catalogue items they propose; those do not shift the draws).
        var bought = Rank.Bought(history, invoice.CustomerId);
        var sold = Enumerable.Range(0, history.ItemCount).Where(i => history.BasketCount[i] > 0).ToArray();
        var chosen = new HashSet<int>();
        while (chosen.Count < count && chosen.Count + bought.Count < sold.Length)
        {
            var item = sold[_random.Next(sold.Length)];
            if (!bought.Contains(item))
            {
                chosen.Add(item);
            }
        }
        return ValueTask.FromResult<IReadOnlyList<string>>(chosen.Select(i => history.Names[i]).ToList());
    }
}

public sealed class PopularityScorer : IScorer
{
    public string Name => "trailing-30-day popularity";

    public ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count) =>
        ValueTask.FromResult(Rank.TopThenPopular([], history, Rank.Bought(history, invoice.CustomerId), count));
}

/// <summary>Co-purchase counts: top-50 neighbours of every item the customer bought, summed.</summary>
public sealed class CoPurchaseCountScorer(int neighbours = 50) : IScorer
{
    private readonly Dictionary<int, (int Version, List<(int Item, double Score)> Top)> _cache = [];

    public string Name => "co-purchase counts";

    public ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count)
    {
        var scores = new Dictionary<int, double>();
        foreach (var h in Rank.Recent(history, invoice.CustomerId))
        {
            if (!_cache.TryGetValue(h, out var cached) || cached.Version != history.RowVersion[h])
            {
                cached = (history.RowVersion[h], Top(history.Baskets[h], neighbours, kv => kv.Value).ToList());
                _cache[h] = cached;
            }
            foreach (var (b, n) in cached.Top)
            {
                scores[b] = scores.GetValueOrDefault(b) + n;
            }
        }
        return ValueTask.FromResult(Rank.TopThenPopular(scores, history, Rank.Bought(history, invoice.CustomerId), count));
    }

    public static IEnumerable<(int Item, double Score)> Top(Dictionary<int, int> row, int n, Func<KeyValuePair<int, int>, double> score) =>
        row.Select(kv => (kv.Key, score(kv))).OrderByDescending(x => x.Item2).ThenBy(x => x.Key).Take(n);
}

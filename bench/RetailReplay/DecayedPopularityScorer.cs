namespace RetailReplay;

/// <summary>
/// Popularity as the service's priors count it: purchases decayed by a half-life in event time (the service's
/// Policy:PriorHalfLife) instead of SOURCE.md's 30-day window, counting every purchase or only each customer's first
/// of an item (what ItemPriorsFeed counts while bought items are not recommended again). Shop-wide, no segments.
/// </summary>
public sealed class DecayedPopularityScorer : IScorer
{
    private static readonly DateTime Landmark = new(2011, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly Dictionary<string, double> _score = new(StringComparer.Ordinal);
    private readonly HashSet<(string Customer, string Item)> _bought = [];
    private readonly double _halfLifeDays;
    private readonly bool _firstPurchasesOnly;

    public DecayedPopularityScorer(RetailData data, double halfLifeDays, bool firstPurchasesOnly)
    {
        _halfLifeDays = halfLifeDays;
        _firstPurchasesOnly = firstPurchasesOnly;
        foreach (var invoice in data.Warmup)
        {
            Count(invoice);
        }
    }

    public string Name => $"popularity decayed {_halfLifeDays} d, {(_firstPurchasesOnly ? "first purchase per customer" : "every purchase")}";

    public ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count) =>
        ValueTask.FromResult<IReadOnlyList<string>>([.. _score
            .Where(s => !history.HasBought(invoice.CustomerId, s.Key))
            .OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal)
            .Take(count)
            .Select(s => s.Key)]);

    public ValueTask ObserveAsync(Invoice invoice, IReadOnlyList<string> recommended)
    {
        Count(invoice);
        return ValueTask.CompletedTask;
    }

    /// <summary>Forward decay: weights grow by 2^(age / half-life) from a fixed landmark, so old counts need no rewrite.</summary>
    private void Count(Invoice invoice)
    {
        var weight = Math.Pow(2, (invoice.At - Landmark).TotalDays / _halfLifeDays);
        foreach (var item in invoice.Items)
        {
            if (!_bought.Add((invoice.CustomerId, item)) && _firstPurchasesOnly)
            {
                continue;
            }
            _score[item] = _score.GetValueOrDefault(item) + weight;
        }
    }
}

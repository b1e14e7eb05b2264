namespace SegmentService.Api.Behaviour;

/// <summary>
/// A user's content profile, built per request from their trail (bounded): category shares weighted by event
/// strength, spend level (mean log price), and the words of their items' titles. Reused per thread.
/// </summary>
public sealed class UserContentProfile
{
    private readonly Dictionary<string, double> _categories = new(StringComparer.Ordinal);
    private readonly HashSet<int> _words = [];
    private readonly List<(string Category, double Share)> _top = [];
    private double _logPrice;

    public double Total { get; private set; }
    public HashSet<int> Purchased { get; } = [];

    public void Build(IReadOnlyList<TrailEntry> trail, ContentIndex content)
    {
        _categories.Clear();
        _words.Clear();
        Purchased.Clear();
        Total = 0;
        var priceWeight = 0.0;
        _logPrice = 0;
        foreach (var entry in trail)
        {
            if (entry.Purchased)
            {
                Purchased.Add(entry.Item);
            }
            if (content.Of(entry.Item) is not { } a)
            {
                continue;
            }
            _categories[a.Category] = _categories.GetValueOrDefault(a.Category) + entry.Weight;
            Total += entry.Weight;
            _logPrice += entry.Weight * a.LogPrice;
            priceWeight += entry.Weight;
            _words.UnionWith(a.Words);
        }
        if (priceWeight > 0)
        {
            _logPrice /= priceWeight;
        }
    }

    /// <summary>The user's top categories with their shares (0–1), largest first (equal shares by name); a list reused per profile.</summary>
    public IReadOnlyList<(string Category, double Share)> TopCategories(int count)
    {
        _top.Clear();
        foreach (var (category, weight) in _categories)
        {
            _top.Add((category, weight));
        }
        _top.Sort(static (a, b) => b.Share != a.Share ? b.Share.CompareTo(a.Share) : string.CompareOrdinal(a.Category, b.Category));
        if (_top.Count > count)
        {
            _top.RemoveRange(count, _top.Count - count);
        }
        for (var i = 0; i < _top.Count; i++)
        {
            _top[i] = (_top[i].Category, _top[i].Share / Total);
        }
        return _top;
    }

    /// <summary>1 at the user's spend level, halving per doubling of price away from it.</summary>
    public double PriceMatch(double logPrice) => Math.Pow(2, -Math.Abs(logPrice - _logPrice) / Math.Log(2));

    /// <summary>Share of the item's title words found in the user's items' titles (0 when it has none).</summary>
    public double WordMatch(int[] words)
    {
        if (words.Length == 0)
        {
            return 0;
        }
        var found = 0;
        foreach (var w in words)
        {
            if (_words.Contains(w))
            {
                found++;
            }
        }
        return (double)found / words.Length;
    }
}

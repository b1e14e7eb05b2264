using System.Globalization;

namespace SegmentService.Api.Tests.Learning;

/// <summary>
/// The planted truth of a shop: 4 taste groups of 60 shoppers over 6 categories. Group g likes category g:
/// its 5 hot items are clicked 30 % of the time when shown, its other category items 8 %, everything else 1 %.
/// The hot items are picked at random (seeded) inside the category, so no id order gives them away.
/// </summary>
public sealed class ShopWorld
{
    public const int Groups = 4;
    public const int ShoppersPerGroup = 60;
    public const int Categories = 6;
    public const int HotPerGroup = 5;
    public const int Slate = 5;
    public const double HotCtr = 0.30;
    public const double CategoryCtr = 0.08;
    public const double OtherCtr = 0.01;

    private readonly Dictionary<string, int> _index;
    private readonly HashSet<int>[] _hot = new HashSet<int>[Groups];
    private readonly Random _random;
    private readonly Lock _gate = new();

    public ShopWorld(int itemsPerCategory, int seed)
    {
        ItemsPerCategory = itemsPerCategory;
        _random = new Random(seed);
        Items = [.. Enumerable.Range(0, Categories * itemsPerCategory)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"c{i / itemsPerCategory}-{i % itemsPerCategory:0000}"))];
        _index = Items.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        for (var g = 0; g < Groups; g++)
        {
            _hot[g] = [.. PickInCategory(g, HotPerGroup, [])];
        }
        HistoryHidden = _hot.SelectMany(h => h).ToHashSet();
    }

    public int ItemsPerCategory { get; }

    public IReadOnlyList<string> Items { get; }

    /// <summary>Every group's original hot items: the history never touches them.</summary>
    public IReadOnlySet<int> HistoryHidden { get; }

    public static string CategoryName(int category) => string.Create(CultureInfo.InvariantCulture, $"cat-{category}");

    public int CategoryOf(int item) => item / ItemsPerCategory;

    public int IndexOf(string itemId) => _index.TryGetValue(itemId, out var i) ? i : -1;

    public static string Shopper(int group, int number) => string.Create(CultureInfo.InvariantCulture, $"shopper-{group}-{number:00}");

    public static int GroupOf(string shopper) => shopper[8] - '0';

    public static IEnumerable<string> AllShoppers =>
        Enumerable.Range(0, Groups).SelectMany(g => Enumerable.Range(0, ShoppersPerGroup).Select(n => Shopper(g, n)));

    public IReadOnlyList<int> HotItems(int group)
    {
        lock (_gate)
        {
            return [.. _hot[group].Order()];
        }
    }

    /// <summary>True click probability of <paramref name="item"/> for a shopper of <paramref name="group"/>.</summary>
    public double Ctr(int group, int item)
    {
        if (item < 0)
        {
            return 0;
        }
        lock (_gate)
        {
            return _hot[group].Contains(item) ? HotCtr : CategoryOf(item) == group ? CategoryCtr : OtherCtr;
        }
    }

    /// <summary>Drift: the group's hot items move to 5 other items of its category, none of them hot before.</summary>
    public void MoveHotItems(int group)
    {
        lock (_gate)
        {
            _hot[group] = [.. PickInCategory(group, HotPerGroup, _hot[group])];
        }
    }

    /// <summary>Mean true CTR of the best slate for the group among the items not excluded (e.g. bought).</summary>
    public double Oracle(int group, IReadOnlySet<int> excluded) =>
        Enumerable.Range(0, Items.Count).Where(i => !excluded.Contains(i)).Select(i => Ctr(group, i))
            .OrderDescending().Take(Slate).Average();

    /// <summary>Mean true CTR of a uniformly random slate among the items not excluded.</summary>
    public double RandomSlate(int group, IReadOnlySet<int> excluded) =>
        Enumerable.Range(0, Items.Count).Where(i => !excluded.Contains(i)).Average(i => Ctr(group, i));

    private List<int> PickInCategory(int category, int count, HashSet<int> avoid) =>
        Enumerable.Range(category * ItemsPerCategory, ItemsPerCategory)
            .Where(i => !avoid.Contains(i))
            .OrderBy(_ => _random.Next())
            .Take(count)
            .ToList();
}

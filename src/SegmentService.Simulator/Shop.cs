namespace SegmentService.Simulator;

internal sealed record Item(string Id, int Category, decimal Price, bool InStock, double Appeal);

/// <summary>A shopper: a taste over categories (sums to 1) from their group, and a spend level (typical price).</summary>
internal sealed class Shopper(string id, int group, double[] taste, double spend)
{
    public string Id => id;
    public int Group => group;
    public double[] Taste { get; } = taste;
    public double Spend => spend;
}

/// <summary>
/// The ground truth the service cannot see: a catalogue, shoppers drawn from latent taste groups with spend levels,
/// and the click and purchase probabilities that follow from them. Drift moves a group's taste to another
/// category and makes a seasonal item take off. Deterministic for a seed.
/// </summary>
internal sealed class Shop
{
    /// <summary>The first five and the item ids ("shoes-001") are the service's demo catalogue's, so with demo data loaded the simulator prices and stocks those items and knows every item the service can recommend.</summary>
    public static readonly string[] Categories = ["shoes", "electronics", "books", "home", "beauty", "toys", "sports", "garden"];
    private static readonly double[] SpendLevels = [15, 40, 120];
    public const int Groups = 4;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, Item> _byId;
    private readonly int[] _favourite = new int[Groups];
    private string? _seasonal;
    private int _drifts;

    public Shop(int itemsPerCategory, int shoppers, int seed)
    {
        var random = new Random(seed);
        var items = new List<Item>();
        for (var c = 0; c < Categories.Length; c++)
        {
            var typical = SpendLevels[c % SpendLevels.Length];
            for (var i = 1; i <= itemsPerCategory; i++)
            {
                var price = Math.Round((decimal)(typical * Math.Exp((random.NextDouble() - 0.5) * 1.6)), 2);
                items.Add(new Item($"{Categories[c]}-{i:D3}", c, price, random.NextDouble() > 0.05, 0.4 + 1.2 * random.NextDouble()));
            }
        }
        Items = items;
        _byId = items.ToDictionary(i => i.Id, StringComparer.Ordinal);
        InStock = [.. items.Where(i => i.InStock)];
        for (var g = 0; g < Groups; g++)
        {
            _favourite[g] = g * 2;
        }
        Shoppers = [.. Enumerable.Range(0, shoppers).Select(s => NewShopper(s, random))];
    }

    public IReadOnlyList<Item> Items { get; }

    public IReadOnlyList<Item> InStock { get; }

    public IReadOnlyList<Shopper> Shoppers { get; }

    /// <summary>The item, or null for one the service knows from elsewhere (the shoppers never click those).</summary>
    public Item? Find(string id) => _byId.GetValueOrDefault(id);

    private Shopper NewShopper(int index, Random random)
    {
        var group = index % Groups;
        var taste = new double[Categories.Length];
        for (var c = 0; c < taste.Length; c++)
        {
            taste[c] = 0.02 + 0.05 * random.NextDouble();
        }
        taste[_favourite[group]] += 0.8;
        taste[(_favourite[group] + 1) % taste.Length] += 0.1;
        Normalise(taste);
        // Spend follows the group mostly, so a group is one behaviour pattern (what it buys and how much it pays).
        var spend = random.NextDouble() < 0.8 ? SpendLevels[group % SpendLevels.Length] : SpendLevels[random.Next(SpendLevels.Length)];
        return new Shopper($"sim-u{index:D5}", group, taste, spend);
    }

    /// <summary>P(click | shown): taste for the item's category × its appeal × how well its price fits, plus a small floor.</summary>
    public double ClickProbability(Shopper shopper, Item item)
    {
        var p = 0.02 + 0.55 * shopper.Taste[item.Category] * item.Appeal * PriceFit(shopper, item);
        if (item.Id == Volatile.Read(ref _seasonal))
        {
            p += 0.35;
        }
        return Math.Min(p, 0.95);
    }

    /// <summary>P(purchase | click): higher when the price fits the shopper's spend.</summary>
    public static double PurchaseProbability(Shopper shopper, Item item) => 0.25 * PriceFit(shopper, item);

    public double ExpectedReward(Shopper shopper, Item item, double clickReward, double purchaseReward)
    {
        var click = ClickProbability(shopper, item);
        return click * (clickReward + PurchaseProbability(shopper, item) * purchaseReward);
    }

    private static double PriceFit(Shopper shopper, Item item) =>
        Math.Exp(-Math.Abs(Math.Log((double)item.Price / shopper.Spend)) / 1.5);

    /// <summary>Group (drift mod groups) moves its interest to the category no group favours next; one item becomes the season's hit.</summary>
    public string Drift(Random random)
    {
        lock (_sync)
        {
            var group = _drifts % Groups;
            var from = _favourite[group];
            var to = Enumerable.Range(1, Categories.Length).Select(k => (from + k) % Categories.Length).First(c => !_favourite.Contains(c));
            _favourite[group] = to;
            foreach (var shopper in Shoppers.Where(s => s.Group == group))
            {
                (shopper.Taste[from], shopper.Taste[to]) = (shopper.Taste[to], shopper.Taste[from]);
            }
            var hit = InStock[random.Next(InStock.Count)];
            Volatile.Write(ref _seasonal, hit.Id);
            _drifts++;
            return $"group {group} moved from {Categories[from]} to {Categories[to]}; seasonal hit {hit.Id}";
        }
    }

    /// <summary>A category drawn from the shopper's taste, then an in-stock item of it.</summary>
    public Item Browse(Shopper shopper, Random random)
    {
        var u = random.NextDouble();
        var category = 0;
        for (var acc = shopper.Taste[0]; acc < u && category < Categories.Length - 1; acc += shopper.Taste[++category])
        {
        }
        var choices = InStock.Where(i => i.Category == category).ToArray();
        return choices.Length > 0 ? choices[random.Next(choices.Length)] : InStock[random.Next(InStock.Count)];
    }

    private static void Normalise(double[] v)
    {
        var sum = v.Sum();
        for (var i = 0; i < v.Length; i++)
        {
            v[i] /= sum;
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Policy;

/// <summary>
/// The starting value of a cell, in the table's own unit (reward per impression):
/// <code>
///   prior(s, a) = level(s) · lift(s, a) / L̄(s)
///   level(s)    = (R_s + m · level(all)) / (N_s + m),  level(all) = (R + m · DefaultPrior) / (N + m)
///   lift(s, a)  = max((E_s(a) + Ē_s) / (2 Ē_s), ½)
/// </code>
/// R and N are a segment's settled reward and impressions (m = <see cref="LevelImpressions"/> pseudo-impressions shrink
/// a thin segment towards the shop); E_s(a) is the segment's recency-decayed behaviour affinity for the item
/// (purchases, carts and clicks weighted by their rewards) and Ē_s its mean over items with any. An item nobody
/// engaged with gets lift ½: below the segment's level, so it never beats what was tried. L̄(s), the impression-weighted
/// mean lift of the cells the segment settled, calibrates the lifts so the priors of what was shown average to the
/// reward per impression those items really earned.
/// Bounds: a rebuild keeps only items in the in-stock catalogue, and each segment's row (and the shop's) holds at most
/// Policy:MaxPriorItemsPerSegment items; a new item past it first drops the weakest eighth by decayed affinity
/// (<see cref="ShedCount"/> counts them). A dropped item has lift ½ until its next event, as an item nobody engaged with.
/// </summary>
public sealed partial class ItemPriors(QTable table, IOptions<PolicyOptions> options, TimeProvider timeProvider, ICandidateCatalog? catalog = null)
{
    public const double LevelImpressions = 30;

    /// <summary>The lift of an item the segment never engaged with.</summary>
    private const double UnknownLift = 0.5;

    private const string GlobalKey = QTable.GlobalKey;
    private readonly PolicyOptions _options = options.Value;
    private volatile ConcurrentDictionary<string, AffinityRow> _rows = NewRows();

    // While a rebuild reads the events table, events that commit meanwhile go into the new rows too.
    private volatile ConcurrentDictionary<string, AffinityRow>? _rebuilding;

    private sealed class AffinityRow
    {
        public readonly Lock Sync = new();
        public readonly Dictionary<string, Cell> Cells = new(StringComparer.Ordinal);

        /// <summary>Ē (mean affinity over engaged items, as of the last calibration) and L̄.</summary>
        public double MeanAffinity;
        public double LiftNormaliser = 1;
    }

    /// <summary>A decayed sum as of <see cref="At"/> (UTC ticks).</summary>
    private record struct Cell(double Affinity, long At);

    private long _shed;

    /// <summary>(segment, item) affinity cells held in memory (the priors' depth metric; approximate while rows change).</summary>
    public int CellCount => _rows.Values.Sum(r => r.Cells.Count);

    /// <summary>Affinity cells dropped past Policy:MaxPriorItemsPerSegment since start.</summary>
    public long ShedCount => Interlocked.Read(ref _shed);

    public void Add(string segmentKey, double weight, string itemId, DateTimeOffset occurredAt)
    {
        if (weight == 0)
        {
            return;
        }
        AddTo(_rows, segmentKey, itemId, weight, occurredAt.UtcTicks);
        if (_rebuilding is { } next)
        {
            AddTo(next, segmentKey, itemId, weight, occurredAt.UtcTicks);
        }
    }

    /// <summary>
    /// Rebuilds every row from <paramref name="events"/> (when segment membership changed) and swaps them in at once.
    /// An event committing during the rebuild lands in both old and new rows; one that the read also returns counts
    /// twice in the new rows, a bounded blur accepted so that no event is ever lost from the priors.
    /// </summary>
    public async Task RebuildAsync(IAsyncEnumerable<(string SegmentKey, double Weight, string ItemId, DateTimeOffset OccurredAt)> events)
    {
        var next = NewRows();
        _rebuilding = next;
        try
        {
            await foreach (var (segmentKey, weight, itemId, occurredAt) in events)
            {
                // Items no longer in stock cannot be recommended: their affinities would only take memory.
                if (weight != 0 && (catalog is null || catalog.CategoryOf(itemId) is not null))
                {
                    AddTo(next, segmentKey, itemId, weight, occurredAt.UtcTicks);
                }
            }
            foreach (var (key, row) in next)
            {
                Calibrate(row, key == GlobalKey ? null : table.Row(key));
            }
            _rows = next;
        }
        finally
        {
            _rebuilding = null;
        }
    }

    /// <summary>The segment's level: its settled reward per impression, shrunk towards the shop's.</summary>
    public double Level(string segmentKey) => Level(table, segmentKey);

    private double Level(QTable levels, string segmentKey)
    {
        var all = levels.Row(GlobalKey).Totals;
        var shop = (all.Reward + LevelImpressions * _options.DefaultPrior) / (all.Impressions + LevelImpressions);
        if (segmentKey == GlobalKey || !levels.TryGetRow(segmentKey, out var row))
        {
            return shop;
        }
        var own = row.Totals;
        return (own.Reward + LevelImpressions * shop) / (own.Impressions + LevelImpressions);
    }

    /// <summary>
    /// Writes each item's prior into <paramref name="priors"/> (one lock per row, not per item); levels come from
    /// <paramref name="levels"/> (a stored table under evaluation) or the live table.
    /// </summary>
    public void Fill(string segmentKey, ReadOnlySpan<string> itemIds, Span<double> priors, QTable? levels = null) =>
        Fill(segmentKey, itemIds, priors, [], levels);

    /// <summary>As above; also writes, where <paramref name="shelfLevels"/> is not empty, the level each prior was scaled from (its category's, else the segment's).</summary>
    public void Fill(string segmentKey, ReadOnlySpan<string> itemIds, Span<double> priors, Span<double> shelfLevels, QTable? levels = null)
    {
        var level = Level(levels ?? table, segmentKey);
        var row = AffinityOf(segmentKey);
        _categories.TryGetValue(segmentKey, out var categories);
        var now = timeProvider.GetUtcNow().UtcTicks;
        if (row is null)
        {
            for (var i = 0; i < itemIds.Length; i++)
            {
                priors[i] = Scaled(categories, itemIds[i], level, 1, 1, 1, out var shelf);
                if (!shelfLevels.IsEmpty)
                {
                    shelfLevels[i] = shelf;
                }
            }
            return;
        }
        lock (row.Sync)
        {
            for (var i = 0; i < itemIds.Length; i++)
            {
                priors[i] = Scaled(categories, itemIds[i], level, row.LiftNormaliser, Lift(row, itemIds[i], now), UnknownLift, out var shelf);
                if (!shelfLevels.IsEmpty)
                {
                    shelfLevels[i] = shelf;
                }
            }
        }
    }

    /// <summary>
    /// The item's prior from its category's level and mean lift where the segment settled items of the category, else
    /// from the segment's; <paramref name="shelf"/> is what an item of the category is expected to earn
    /// (<see cref="CalibrateCategories"/>), for a category the segment neither showed nor engaged with the level its
    /// items' priors average to (each has the lift of an item nobody engaged with).
    /// </summary>
    private double Scaled(
        Dictionary<string, Shelf>? categories, string itemId, double level, double normaliser, double lift, double unknownLift, out double shelf)
    {
        if (catalog?.CategoryOf(itemId) is { } category)
        {
            if (categories is not null && categories.TryGetValue(category, out var c))
            {
                shelf = c.Expected;
                return c.Level * lift / c.LiftNormaliser;
            }
            shelf = level * unknownLift / normaliser;
            return level * lift / normaliser;
        }
        shelf = level;
        return level * lift / normaliser;
    }

    /// <summary>The segment's affinities, or the shop's where the segment has none; null when nobody has any.</summary>
    private AffinityRow? AffinityOf(string segmentKey)
    {
        var rows = _rows;
        if (rows.TryGetValue(segmentKey, out var row) && row.MeanAffinity > 0)
        {
            return row;
        }
        return rows.TryGetValue(GlobalKey, out row) && row.MeanAffinity > 0 ? row : null;
    }

    public double Prior(string segmentKey, string itemId)
    {
        Span<double> one = stackalloc double[1];
        Fill(segmentKey, [itemId], one);
        return one[0];
    }

    /// <summary>Recomputes every segment's Ē and L̄ from its affinities and its settled cells (the sweeper calls it each tick).</summary>
    public void Calibrate()
    {
        foreach (var (key, row) in _rows)
        {
            Calibrate(row, key == GlobalKey ? null : table.Row(key));
        }
        foreach (var key in table.Keys)
        {
            CalibrateCategories(key, refreshExpected: true);
        }
    }

    private void Calibrate(AffinityRow row, QRow? settled)
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        lock (row.Sync)
        {
            var sum = 0.0;
            foreach (var cell in row.Cells.Values)
            {
                sum += cell.Affinity * Decay(now - cell.At);
            }
            row.MeanAffinity = row.Cells.Count > 0 ? sum / row.Cells.Count : 0;
        }
        if (settled is null || row.MeanAffinity <= 0)
        {
            return;
        }
        double weighted = 0, impressions = 0;
        var cells = settled.Cells();
        lock (row.Sync)
        {
            foreach (var (item, cell) in cells)
            {
                if (cell.Impressions > 0)
                {
                    weighted += cell.Impressions * Lift(row, item, now);
                    impressions += cell.Impressions;
                }
            }
            row.LiftNormaliser = impressions > 0 ? weighted / impressions : 1;
        }
    }

    private double Lift(AffinityRow row, string itemId, long now)
    {
        var affinity = row.Cells.TryGetValue(itemId, out var cell) ? cell.Affinity * Decay(now - cell.At) : 0;
        // No upper bound: a cap tied hundreds of best sellers at the same prior (L̄ keeps the scale calibrated).
        return Math.Max((affinity + row.MeanAffinity) / (2 * row.MeanAffinity), UnknownLift);
    }

    private static ConcurrentDictionary<string, AffinityRow> NewRows() => new(StringComparer.Ordinal);

    private void AddTo(ConcurrentDictionary<string, AffinityRow> rows, string segmentKey, string itemId, double weight, long at)
    {
        AddTo(rows.GetOrAdd(segmentKey, static _ => new AffinityRow()), itemId, weight, at);
        AddTo(rows.GetOrAdd(GlobalKey, static _ => new AffinityRow()), itemId, weight, at);
    }

    private void AddTo(AffinityRow row, string itemId, double weight, long at)
    {
        lock (row.Sync)
        {
            if (!row.Cells.TryGetValue(itemId, out var cell))
            {
                if (row.Cells.Count >= _options.MaxPriorItemsPerSegment)
                {
                    DropWeakest(row);
                }
                row.Cells[itemId] = new Cell(weight, at);
                if (row.MeanAffinity <= 0)
                {
                    row.MeanAffinity = weight;
                }
                return;
            }
            // Events may arrive out of time order: decay whichever side is older to the newer time.
            row.Cells[itemId] = at >= cell.At
                ? new Cell(cell.Affinity * Decay(at - cell.At) + weight, at)
                : new Cell(cell.Affinity + weight * Decay(cell.At - at), cell.At);
        }
    }

    /// <summary>
    /// Drops the weakest eighth of a full row by affinity decayed to now (ties by item id), so the sort runs once per
    /// MaxPriorItemsPerSegment/8 new items. The caller holds the row's lock.
    /// </summary>
    private void DropWeakest(AffinityRow row)
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        var ranked = row.Cells.Select(c => (c.Key, Affinity: c.Value.Affinity * Decay(now - c.Value.At))).ToList();
        ranked.Sort(static (a, b) => a.Affinity != b.Affinity ? a.Affinity.CompareTo(b.Affinity) : string.CompareOrdinal(a.Key, b.Key));
        var drop = Math.Max(1, _options.MaxPriorItemsPerSegment / 8) + ranked.Count - _options.MaxPriorItemsPerSegment;
        for (var i = 0; i < drop && i < ranked.Count; i++)
        {
            row.Cells.Remove(ranked[i].Key);
        }
        Interlocked.Add(ref _shed, Math.Min(drop, ranked.Count));
    }

    private double Decay(long ticks) =>
        ticks <= 0 ? 1 : Math.Pow(0.5, ticks / (double)_options.PriorHalfLife.Ticks);
}

using System.Collections.Concurrent;

namespace SegmentService.Api.Policy;

/// <summary>
/// Category shelves: per segment and category, the settled level and mean lift that scale the priors of the category's
/// items, and the shelf level that scales the optimism bonus of its untried ones (<see cref="CalibrateCategories"/>).
/// </summary>
public sealed partial class ItemPriors
{
    /// <summary>Per segment, per category: <see cref="CalibrateCategories"/>.</summary>
    private readonly ConcurrentDictionary<string, Dictionary<string, Shelf>> _categories = new(StringComparer.Ordinal);

    /// <summary>Per segment: Λ per category (<see cref="ExpectedLifts"/>) and when it was computed (UTC ticks).</summary>
    private readonly ConcurrentDictionary<string, (Dictionary<string, double> Lifts, long At)> _expectedLifts = new(StringComparer.Ordinal);

    /// <summary>
    /// How stale Λ may be between settles: it reads the segment's whole affinity row under its lock, too much to repeat on
    /// every sweeper tick in which nothing settled (the behaviour it summarises changes slowly).
    /// </summary>
    private static readonly TimeSpan ExpectedLiftsRefresh = TimeSpan.FromSeconds(10);

    /// <summary>A category in one segment: its settled level and mean lift (for priors), and its shelf level (for the optimism bonus).</summary>
    private readonly record struct Shelf(double Level, double LiftNormaliser, double Expected);

    /// <summary>Recomputes only the category levels (<see cref="CalibrateCategories"/>): they count pending impressions, so they move between settles.</summary>
    public void CalibrateShelves()
    {
        foreach (var key in table.Keys)
        {
            CalibrateCategories(key, refreshExpected: false);
        }
    }

    /// <summary>
    /// Per category c of the segment s: for the priors, its level over the segment's settled cells of c and their mean lift,
    ///   level(s, c) = (R_sc + m · level(s)) / (N_sc + m),   L̄(s, c) = (L_sc + m · L̄(s)) / (N_sc + m),
    /// so an untried item starts from what its category earns in the segment; and for the optimism bonus, its shelf level
    ///   shelf(s, c) = (R′_sc + m · level(s) · Λ_sc / L̄(s)) / (N′_sc + m),
    /// where N′ and R′ also count this replica's pending impressions and rewards (as the served mean does) and Λ_sc is the
    /// mean lift of the category's in-stock items (½ for each item nobody engaged with): before anything is shown, what
    /// the segment's behaviour expects of the category; so exploration searches the shelves that pay first.
    /// </summary>
    /// <remarks>
    /// With the settled level as the shelf, the bonus swept whole categories an item at a time (a 2,004-item shop learnt
    /// nothing for its first ~2,000 recommendations): settled cells lag a reward window plus the settle delay, and a
    /// category with none stood at the segment's level however rarely the segment's users touched it. The priors keep the
    /// settled level: the segment's L̄(s) is calibrated on settled cells, and mixing pending ones into a category's
    /// mean lift alone skewed the priors between categories (retail replay).
    /// </remarks>
    private void CalibrateCategories(string segmentKey, bool refreshExpected)
    {
        if (catalog is null || !table.TryGetRow(segmentKey, out var cells))
        {
            return;
        }
        var level = Level(segmentKey);
        var row = AffinityOf(segmentKey);
        var now = timeProvider.GetUtcNow().UtcTicks;
        var sums = new Dictionary<string, (double N, double R, double L, double Shown, double Earned)>(StringComparer.Ordinal);
        foreach (var (item, cell) in cells.Cells())
        {
            var shown = cell.Impressions + cell.PendingImpressions;
            if (shown <= 0 || catalog.CategoryOf(item) is not { } category)
            {
                continue;
            }
            double lift = 1;
            if (row is not null)
            {
                lock (row.Sync)
                {
                    lift = Lift(row, item, now);
                }
            }
            var settled = cell.Impressions * cell.Value;
            var (n, r, l, all, earned) = sums.GetValueOrDefault(category);
            sums[category] = (n + cell.Impressions, r + settled, l + (cell.Impressions * lift), all + shown, earned + settled + cell.PendingReward);
        }
        var normaliser = row?.LiftNormaliser ?? 1;
        var expected = ExpectedLiftsOf(segmentKey, row, now, refreshExpected);
        foreach (var category in expected.Keys)
        {
            sums.TryAdd(category, default);
        }
        _categories[segmentKey] = sums.ToDictionary(
            p => p.Key,
            p =>
            {
                var (n, r, l, shown, earned) = p.Value;
                var lift = expected.TryGetValue(p.Key, out var e) ? e : row is null ? 1 : UnknownLift;
                return new Shelf(
                    (r + (LevelImpressions * level)) / (n + LevelImpressions),
                    (l + (LevelImpressions * normaliser)) / (n + LevelImpressions),
                    (earned + (LevelImpressions * level * lift / normaliser)) / (shown + LevelImpressions));
            },
            StringComparer.Ordinal);
    }

    private Dictionary<string, double> ExpectedLiftsOf(string segmentKey, AffinityRow? row, long now, bool refresh)
    {
        if (!refresh && _expectedLifts.TryGetValue(segmentKey, out var cached) && now - cached.At < ExpectedLiftsRefresh.Ticks)
        {
            return cached.Lifts;
        }
        var lifts = ExpectedLifts(row, now);
        _expectedLifts[segmentKey] = (lifts, now);
        return lifts;
    }

    /// <summary>Λ per category the segment engaged with: the mean lift of its in-stock items, ½ for each nobody engaged with.</summary>
    private Dictionary<string, double> ExpectedLifts(AffinityRow? row, long now)
    {
        var sums = new Dictionary<string, (double Lift, int Items)>(StringComparer.Ordinal);
        if (row is null || catalog is null)
        {
            return [];
        }
        lock (row.Sync)
        {
            foreach (var item in row.Cells.Keys)
            {
                if (catalog.CategoryOf(item) is { } category)
                {
                    var (lift, items) = sums.GetValueOrDefault(category);
                    sums[category] = (lift + Lift(row, item, now), items + 1);
                }
            }
        }
        return sums.ToDictionary(
            p => p.Key,
            p =>
            {
                var size = Math.Max(catalog.Candidates(p.Key).Length, p.Value.Items);
                return (p.Value.Lift + (UnknownLift * (size - p.Value.Items))) / size;
            },
            StringComparer.Ordinal);
    }
}

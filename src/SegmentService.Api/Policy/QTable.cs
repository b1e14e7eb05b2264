using System.Collections.Concurrent;

namespace SegmentService.Api.Policy;

/// <summary>The settled part of a cell, as snapshots store it.</summary>
public readonly record struct SettledCell(double Value, long Impressions);

/// <summary>A copy of one row's settled part, consistent at one instant.</summary>
/// <param name="Key">The row's key: a segment, or a segment's source row.</param>
/// <param name="Totals">The row's settled totals.</param>
/// <param name="Cells">The settled cells.</param>
/// <param name="Blend">A source row's settled blend statistics (<see cref="BlendRegression"/>), null for other rows.</param>
public sealed record QRowSnapshot(string Key, QRow.RowTotals Totals, IReadOnlyDictionary<string, SettledCell> Cells, IReadOnlyList<double>? Blend = null);

/// <summary>Per-segment rows; locking never spans more than one segment. <paramref name="budget"/> bounds each row's settled cells (none: unbounded).</summary>
public sealed class QTable(CellBudget? budget = null)
{
    /// <summary>The row every segment's level falls back to: all settled impressions of the shop.</summary>
    public const string GlobalKey = "\u0000all";

    private readonly ConcurrentDictionary<string, QRow> _rows = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>The version of the last snapshot saved or loaded (a database sequence, unique across replicas).</summary>
    public long Version => Interlocked.Read(ref _version);

    internal void SetVersion(long version) => Interlocked.Exchange(ref _version, version);

    public QRow Row(string segmentKey) => _rows.GetOrAdd(segmentKey, static (_, b) => new QRow(b), budget);

    /// <summary>Settled cells evicted past Policy:MaxCellsPerSegment since start.</summary>
    public long EvictedCells => budget?.Evicted ?? 0;

    public bool TryGetRow(string segmentKey, out QRow row) => _rows.TryGetValue(segmentKey, out row!);

    /// <summary>The row holding what the candidate sources earn in a segment (one cell per source name).</summary>
    public static string SourcesKey(string segmentKey) => segmentKey + SourcesSuffix;

    private const string SourcesSuffix = "\u0001sources";

    /// <summary>Segment keys (not the shop-wide row, not the per-segment source rows).</summary>
    public IReadOnlyList<string> Keys => [.. _rows.Keys.Where(k => k != GlobalKey && !k.EndsWith(SourcesSuffix, StringComparison.Ordinal))];

    /// <summary>Each row copied under its own lock, in key order.</summary>
    public IReadOnlyList<QRowSnapshot> Snapshot() =>
        [.. _rows.Where(pair => pair.Key != GlobalKey).OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Value.Snapshot(pair.Key))];

    /// <summary>Replaces every row's settled part; the global totals are the sum of the rows'.</summary>
    internal void Restore(IEnumerable<QRowSnapshot> rows)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        double n = 0, r = 0, r2 = 0;
        foreach (var row in rows)
        {
            Row(row.Key).ReplaceSettled(row.Cells, row.Totals, row.Blend);
            seen.Add(row.Key);
            if (row.Key.EndsWith(SourcesSuffix, StringComparison.Ordinal))
            {
                // A source row counts impressions its segment's row already has.
                continue;
            }
            n += row.Totals.Impressions;
            r += row.Totals.Reward;
            r2 += row.Totals.SquaredReward;
        }
        foreach (var key in _rows.Keys.Where(k => k != GlobalKey && !seen.Contains(k)))
        {
            _rows[key].ReplaceSettled(new Dictionary<string, SettledCell>(), default);
        }
        Row(GlobalKey).ReplaceSettled(new Dictionary<string, SettledCell>(), new QRow.RowTotals(n, r, r2));
    }
}

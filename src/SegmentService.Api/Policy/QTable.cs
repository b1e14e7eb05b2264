using System.Collections.Concurrent;

namespace SegmentService.Api.Policy;

/// <summary>A learnt value and how many feedback updates shaped it.</summary>
public record struct QEntry(double Value, long Visits);

/// <summary>
/// One segment's Q-values. Readers and the learner take <see cref="Sync"/> only for the few
/// microseconds of a copy or an update; <see cref="Gate"/> orders this segment's feedback writes so
/// the in-memory order of updates equals the feedback log's sequence order (exact replay).
/// </summary>
public sealed class QRow
{
    internal readonly Lock Sync = new();
    internal readonly Dictionary<string, QEntry> Entries = new(StringComparer.Ordinal);

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The last feedback log sequence number applied to this row.</summary>
    public long LastSeq { get; internal set; }

    public bool TryGet(string itemId, out QEntry entry)
    {
        lock (Sync)
        {
            return Entries.TryGetValue(itemId, out entry);
        }
    }

    /// <summary>Fills <paramref name="values"/> with Q, or NaN where the item has no value yet.</summary>
    public void Read(ReadOnlySpan<string> itemIds, Span<double> values)
    {
        lock (Sync)
        {
            for (var i = 0; i < itemIds.Length; i++)
            {
                values[i] = Entries.TryGetValue(itemIds[i], out var entry) ? entry.Value : double.NaN;
            }
        }
    }

    /// <summary>max_a Q[s, a] over learnt values; null when the row has none.</summary>
    public double? MaxValue()
    {
        lock (Sync)
        {
            if (Entries.Count == 0)
            {
                return null;
            }
            var max = double.NegativeInfinity;
            foreach (var entry in Entries.Values)
            {
                max = Math.Max(max, entry.Value);
            }
            return max;
        }
    }

    /// <summary>Q ← Q + η (target − Q), starting from <paramref name="initial"/> when the item has no value.</summary>
    public double Apply(string itemId, double initial, double target, double learningRate, long seq)
    {
        lock (Sync)
        {
            var entry = Entries.TryGetValue(itemId, out var found) ? found : new QEntry(initial, 0);
            entry.Value += learningRate * (target - entry.Value);
            entry.Visits++;
            Entries[itemId] = entry;
            LastSeq = Math.Max(LastSeq, seq);
            return entry.Value;
        }
    }

    /// <summary>
    /// The deferred half of a discounted update: Q ← Q + η·<paramref name="bootstrap"/>, with bootstrap = γ·max_a' Q[s',a'].
    /// Together with <see cref="Apply"/>(r) before it this is Q + η (r + γ·max − Q): the update is linear in its target,
    /// so the two increments sum to the one-step update whenever no other update touched the cell in between.
    /// Not a visit: the reward row already counted one.
    /// </summary>
    public double ApplyBootstrap(string itemId, double initial, double bootstrap, double learningRate, long seq)
    {
        lock (Sync)
        {
            var entry = Entries.TryGetValue(itemId, out var found) ? found : new QEntry(initial, 0);
            entry.Value += learningRate * bootstrap;
            Entries[itemId] = entry;
            LastSeq = Math.Max(LastSeq, seq);
            return entry.Value;
        }
    }

    public QRowSnapshot Snapshot(string key)
    {
        lock (Sync)
        {
            return new QRowSnapshot(key, LastSeq, Entries.ToDictionary(StringComparer.Ordinal));
        }
    }

    internal void Replace(IReadOnlyDictionary<string, QEntry> entries, long lastSeq)
    {
        lock (Sync)
        {
            Entries.Clear();
            foreach (var (item, entry) in entries)
            {
                Entries[item] = entry;
            }
            LastSeq = lastSeq;
        }
    }
}

/// <summary>A copy of one row, consistent at one instant.</summary>
public sealed record QRowSnapshot(string Key, long LastSeq, IReadOnlyDictionary<string, QEntry> Entries);

/// <summary>Per-segment rows; locking never spans more than one segment.</summary>
public sealed class QTable
{
    private readonly ConcurrentDictionary<string, QRow> _rows = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Rises with each snapshot and each segmentation change.</summary>
    public long Version => Interlocked.Read(ref _version);

    public long BumpVersion() => Interlocked.Increment(ref _version);

    internal void SetVersion(long version) => Interlocked.Exchange(ref _version, version);

    public QRow Row(string segmentKey) => _rows.GetOrAdd(segmentKey, static _ => new QRow());

    public bool TryGetRow(string segmentKey, out QRow row) => _rows.TryGetValue(segmentKey, out row!);

    public IReadOnlyList<string> Keys => [.. _rows.Keys];

    /// <summary>Each row copied under its own lock (rows may be at different sequence points; each records its own).</summary>
    public IReadOnlyList<QRowSnapshot> Snapshot() =>
        [.. _rows.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Value.Snapshot(pair.Key))];

    internal void Restore(IEnumerable<QRowSnapshot> rows, long version)
    {
        _rows.Clear();
        foreach (var row in rows)
        {
            Row(row.Key).Replace(row.Entries, row.LastSeq);
        }
        SetVersion(version);
    }
}

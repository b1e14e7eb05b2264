using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SegmentService.Api.Events;

namespace SegmentService.Api.Policy;

/// <summary>
/// The starting Q of an item a segment has no value for: the segment's smoothed, recency-decayed
/// engagement rate for the item (reward-weighted engagements per behaviour event), shrunk towards
/// the global rate, which is shrunk towards Policy:DefaultPrior. Kept in memory and fed by events as they commit.
/// </summary>
public sealed class ItemPriors(IOptions<PolicyOptions> options, TimeProvider timeProvider)
{
    private const string GlobalKey = "\u0000global";
    private volatile ConcurrentDictionary<string, PriorRow> _rows = NewRows();

    // While a rebuild reads the events table, events that commit meanwhile go into the new rows too.
    private volatile ConcurrentDictionary<string, PriorRow>? _rebuilding;
    private readonly PolicyOptions _options = options.Value;

    private sealed class PriorRow
    {
        public readonly Lock Sync = new();
        public readonly Dictionary<string, Cell> Cells = new(StringComparer.Ordinal);
    }

    /// <summary>Decayed sums as of <see cref="At"/> (UTC ticks).</summary>
    private record struct Cell(double Engagement, double Events, long At);

    public double EngagementWeight(EventType type) => type switch
    {
        EventType.Click => _options.Rewards.Click,
        EventType.AddToCart => _options.Rewards.AddToCart,
        EventType.Purchase => _options.Rewards.Purchase,
        _ => 0,
    };

    public void Add(string segmentKey, EventType type, string itemId, DateTimeOffset occurredAt)
    {
        var weight = EngagementWeight(type);
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
    public async Task RebuildAsync(IAsyncEnumerable<(string SegmentKey, EventType Type, string ItemId, DateTimeOffset OccurredAt)> events)
    {
        var next = NewRows();
        _rebuilding = next;
        try
        {
            await foreach (var (segmentKey, type, itemId, occurredAt) in events)
            {
                AddTo(next, segmentKey, itemId, EngagementWeight(type), occurredAt.UtcTicks);
            }
            _rows = next;
        }
        finally
        {
            _rebuilding = null;
        }
    }

    private static ConcurrentDictionary<string, PriorRow> NewRows() => new(StringComparer.Ordinal);

    private void AddTo(ConcurrentDictionary<string, PriorRow> rows, string segmentKey, string itemId, double weight, long at)
    {
        AddTo(rows.GetOrAdd(segmentKey, static _ => new PriorRow()), itemId, weight, at);
        AddTo(rows.GetOrAdd(GlobalKey, static _ => new PriorRow()), itemId, weight, at);
    }

    /// <summary>Fills NaN entries of <paramref name="values"/> with the prior of the matching item (one lock per row, not per item).</summary>
    public void FillMissing(string segmentKey, ReadOnlySpan<string> itemIds, Span<double> values)
    {
        var missing = ArrayPool<bool>.Shared.Rent(values.Length);
        try
        {
            var any = false;
            for (var i = 0; i < values.Length; i++)
            {
                missing[i] = double.IsNaN(values[i]);
                if (missing[i])
                {
                    values[i] = _options.DefaultPrior;
                    any = true;
                }
            }
            if (!any)
            {
                return;
            }
            var now = timeProvider.GetUtcNow().UtcTicks;
            // The global rate shrunk towards the default, then the segment's rate shrunk towards that.
            _rows.TryGetValue(GlobalKey, out var global);
            Smooth(global, itemIds, values, missing, now);
            _rows.TryGetValue(segmentKey, out var segment);
            Smooth(segment, itemIds, values, missing, now);
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(missing);
        }
    }

    private void Smooth(PriorRow? row, ReadOnlySpan<string> itemIds, Span<double> values, bool[] missing, long now)
    {
        if (row is null)
        {
            return;
        }
        var k = _options.PriorStrength;
        lock (row.Sync)
        {
            for (var i = 0; i < itemIds.Length; i++)
            {
                if (missing[i] && row.Cells.TryGetValue(itemIds[i], out var cell))
                {
                    var f = Decay(now - cell.At);
                    var denominator = cell.Events * f + k;
                    if (denominator > 0)
                    {
                        values[i] = (cell.Engagement * f + k * values[i]) / denominator;
                    }
                }
            }
        }
    }

    public double Prior(string segmentKey, string itemId)
    {
        _rows.TryGetValue(segmentKey, out var segment);
        _rows.TryGetValue(GlobalKey, out var global);
        return Prior(segment, global, itemId, timeProvider.GetUtcNow().UtcTicks);
    }

    private double Prior(PriorRow? segment, PriorRow? global, string itemId, long now)
    {
        var globalRate = Smoothed(global, itemId, now, _options.DefaultPrior);
        return Smoothed(segment, itemId, now, globalRate);
    }

    private double Smoothed(PriorRow? row, string itemId, long now, double fallback)
    {
        if (row is null)
        {
            return fallback;
        }
        Cell cell;
        lock (row.Sync)
        {
            if (!row.Cells.TryGetValue(itemId, out cell))
            {
                return fallback;
            }
        }
        var f = Decay(now - cell.At);
        var k = _options.PriorStrength;
        var denominator = cell.Events * f + k;
        return denominator <= 0 ? fallback : (cell.Engagement * f + k * fallback) / denominator;
    }

    private void AddTo(PriorRow row, string itemId, double weight, long at)
    {
        lock (row.Sync)
        {
            if (!row.Cells.TryGetValue(itemId, out var cell))
            {
                row.Cells[itemId] = new Cell(weight, 1, at);
                return;
            }
            // Events may arrive out of time order: decay whichever side is older to the newer time.
            if (at >= cell.At)
            {
                var f = Decay(at - cell.At);
                row.Cells[itemId] = new Cell(cell.Engagement * f + weight, cell.Events * f + 1, at);
            }
            else
            {
                var f = Decay(cell.At - at);
                row.Cells[itemId] = new Cell(cell.Engagement + weight * f, cell.Events + f, cell.At);
            }
        }
    }

    private double Decay(long ticks) =>
        ticks <= 0 ? 1 : Math.Pow(0.5, ticks / (double)_options.PriorHalfLife.Ticks);
}

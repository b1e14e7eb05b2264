namespace SegmentService.Api.Policy;

/// <summary>
/// One (segment, item) cell. <see cref="Value"/> and <see cref="Impressions"/> are the settled part: every impression
/// of the cell whose reward window has closed, folded in impression order by <see cref="LearningRule"/>. The pending
/// part counts what this replica saw of impressions still inside their window (shown here, rewards received here), so
/// a click moves the ranking at once instead of when its window closes.
/// </summary>
public record struct QCell(double Value, long Impressions, double PendingImpressions, double PendingReward);

/// <summary>What a reader needs of a cell: the served mean and the weight of evidence behind it.</summary>
public readonly record struct CellEstimate(double Mean, double Weight, bool Known);

/// <summary>
/// One segment's cells and its totals. A short lock guards each read or write; no lock spans two rows, and none is
/// held while anything waits. <paramref name="budget"/> bounds the settled cells (none: unbounded, as in a table
/// restored for evaluation); a cell with no settled part leaves when its pending counts return to zero.
/// </summary>
public sealed class QRow(CellBudget? budget = null)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, QCell> _cells = new(StringComparer.Ordinal);
    private RowTotals _totals;
    private double _pending;
    private int _settled;
    // A source row's blend regression (BlendRegression): settled sums, and this replica's open impressions.
    private double[]? _blendSettled;
    private double[]? _blendPending;

    /// <summary>Impressions this replica showed whose window is still open.</summary>
    public double PendingImpressions
    {
        get
        {
            lock (_sync)
            {
                return _pending;
            }
        }
    }

    /// <summary>Settled impressions, their summed reward and summed squared reward: the segment's level and spread.</summary>
    public readonly record struct RowTotals(double Impressions, double Reward, double SquaredReward)
    {
        public double Mean(double fallback) => Impressions > 0 ? Reward / Impressions : fallback;

        public double Variance(double fallback) => Impressions > 0 ? Math.Max(SquaredReward / Impressions - Math.Pow(Reward / Impressions, 2), 0) : fallback;
    }

    public RowTotals Totals
    {
        get
        {
            lock (_sync)
            {
                return _totals;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _cells.Count;
            }
        }
    }

    /// <summary>Cells with a settled part (what Policy:MaxCellsPerSegment bounds).</summary>
    public int SettledCount
    {
        get
        {
            lock (_sync)
            {
                return _settled;
            }
        }
    }

    public bool TryGet(string itemId, out QCell cell)
    {
        lock (_sync)
        {
            return _cells.TryGetValue(itemId, out cell);
        }
    }

    /// <summary>
    /// The served estimate of each item: the settled value blended with this replica's pending impressions and rewards,
    /// or, for an item the segment never settled, its prior weighted as <paramref name="rule"/>'s prior impressions.
    /// <paramref name="priors"/> holds each item's prior on entry.
    /// </summary>
    public void Estimate(ReadOnlySpan<string> itemIds, ReadOnlySpan<double> priors, Span<CellEstimate> estimates, LearningRule rule)
    {
        lock (_sync)
        {
            for (var i = 0; i < itemIds.Length; i++)
            {
                estimates[i] = _cells.TryGetValue(itemIds[i], out var cell)
                    ? rule.Serve(cell, priors[i])
                    : rule.Serve(default, priors[i]);
            }
        }
    }

    /// <summary>Counts one impression shown by this replica, still inside its window.</summary>
    public void AddPending(string itemId, double impressions, double reward)
    {
        lock (_sync)
        {
            var cell = _cells.GetValueOrDefault(itemId);
            _pending = Math.Max(_pending + impressions, 0);
            cell.PendingImpressions = Math.Max(cell.PendingImpressions + impressions, 0);
            cell.PendingReward += reward;
            if (cell.PendingImpressions == 0 && Math.Abs(cell.PendingReward) < 1e-12)
            {
                cell.PendingReward = 0;
                if (cell.Impressions == 0)
                {
                    // Shown here but never settled (its impression was shed or is settled elsewhere): nothing to keep.
                    _cells.Remove(itemId);
                    return;
                }
            }
            _cells[itemId] = cell;
        }
    }

    /// <summary>Folds one settled impression of <paramref name="itemId"/> with its total reward.</summary>
    public void Settle(string itemId, double prior, double reward, LearningRule rule)
    {
        lock (_sync)
        {
            var cell = _cells.GetValueOrDefault(itemId);
            _cells[itemId] = rule.Fold(cell, prior, reward);
            _totals = new RowTotals(_totals.Impressions + 1, _totals.Reward + reward, _totals.SquaredReward + reward * reward);
            if (cell.Impressions == 0)
            {
                _settled++;
                if (budget is not null)
                {
                    _settled = budget.Enforce(_cells, _settled, itemId);
                }
            }
        }
    }

    /// <summary>Counts a shown item of an open impression (or a reward for it) in the blend's pending statistics.</summary>
    public void AddBlendPending(ReadOnlySpan<double> features, double impressions, double reward)
    {
        lock (_sync)
        {
            _blendPending ??= new double[BlendRegression.StatisticsLength];
            BlendRegression.Add(_blendPending, features, impressions, reward);
        }
    }

    /// <summary>
    /// Folds one settled shown item into the blend's statistics, after discounting what is there by 1 − 1/<paramref name="memory"/>
    /// (so the blend follows drift over about that many shown items).
    /// </summary>
    public void SettleBlend(ReadOnlySpan<double> features, double reward, double memory)
    {
        lock (_sync)
        {
            _blendSettled ??= new double[BlendRegression.StatisticsLength];
            var keep = 1 - 1 / memory;
            for (var i = 0; i < _blendSettled.Length; i++)
            {
                _blendSettled[i] *= keep;
            }
            BlendRegression.Add(_blendSettled, features, 1, reward);
        }
    }

    /// <summary>The blend's statistics, settled and pending together, into <paramref name="statistics"/>; false when there are none.</summary>
    public bool BlendStatistics(Span<double> statistics)
    {
        lock (_sync)
        {
            if (_blendSettled is null && _blendPending is null)
            {
                return false;
            }
            for (var i = 0; i < statistics.Length; i++)
            {
                statistics[i] = (_blendSettled?[i] ?? 0) + (_blendPending?[i] ?? 0);
            }
            return true;
        }
    }

    /// <summary>Counts one settled impression in the totals only (the global row, which has no cells).</summary>
    public void AddToTotals(double reward)
    {
        lock (_sync)
        {
            _totals = new RowTotals(_totals.Impressions + 1, _totals.Reward + reward, _totals.SquaredReward + reward * reward);
        }
    }

    /// <summary>max_a Q[s, a] over settled values; null when the row has none.</summary>
    public double? MaxValue()
    {
        lock (_sync)
        {
            double? max = null;
            foreach (var cell in _cells.Values)
            {
                if (cell.Impressions > 0 && (max is null || cell.Value > max))
                {
                    max = cell.Value;
                }
            }
            return max;
        }
    }

    public QRowSnapshot Snapshot(string key)
    {
        lock (_sync)
        {
            return new QRowSnapshot(
                key,
                _totals,
                _cells.Where(c => c.Value.Impressions > 0)
                    .ToDictionary(c => c.Key, c => new SettledCell(c.Value.Value, c.Value.Impressions), StringComparer.Ordinal),
                _blendSettled is null ? null : [.. _blendSettled]);
        }
    }

    /// <summary>The served view of every cell (settled or pending), for the admin API.</summary>
    public IReadOnlyList<(string ItemId, QCell Cell)> Cells()
    {
        lock (_sync)
        {
            return [.. _cells.Select(c => (c.Key, c.Value))];
        }
    }

    /// <summary>Replaces the settled part (load or carry-over); pending counts of this replica are kept.</summary>
    internal void ReplaceSettled(IReadOnlyDictionary<string, SettledCell> cells, RowTotals totals, IReadOnlyList<double>? blend = null)
    {
        lock (_sync)
        {
            _blendSettled = blend is { Count: > 0 } && blend.Count == BlendRegression.StatisticsLength ? [.. blend] : null;
            foreach (var item in _cells.Keys.ToList())
            {
                var cell = _cells[item];
                if (cell.PendingImpressions == 0 && cell.PendingReward == 0)
                {
                    _cells.Remove(item);
                }
                else
                {
                    _cells[item] = cell with { Value = 0, Impressions = 0 };
                }
            }
            foreach (var (item, settled) in cells)
            {
                var cell = _cells.GetValueOrDefault(item);
                _cells[item] = cell with { Value = settled.Value, Impressions = settled.Impressions };
            }
            _settled = cells.Count(c => c.Value.Impressions > 0);
            if (budget is not null)
            {
                _settled = budget.Enforce(_cells, _settled, keep: null);
            }
            _totals = totals;
        }
    }
}


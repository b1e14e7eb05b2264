namespace SegmentService.Api.Policy;

/// <summary>
/// The bound on a Q-table row: at most <see cref="MaxCells"/> settled cells (Policy:MaxCellsPerSegment). A settle
/// that takes a row past it evicts the settled parts of the cells with the least evidence down to 7/8 of the bound
/// (one sort per MaxCells/8 new cells):
/// <list type="bullet">
/// <item>never the better half of the row by value (at most 7/8 of the bound), nor the cell just settled (the newest evidence);</item>
/// <item>of the rest, least weight of evidence first (<see cref="LearningRule.SettledWeight"/>: the impressions behind
/// the value, capped where the step size floor takes over), then lowest value, then item id (ordinal).</item>
/// </list>
/// An evicted cell starts again from its prior, as an item the segment never tried. The order reads only the settled
/// part, which every replica and every restart from a snapshot computes alike in the same fold order, so replicas
/// evict the same cells and the table still equals the replay of the outcome log. Pending counts (this replica's)
/// are kept.
/// </summary>
public sealed class CellBudget(int maxCells, LearningRule rule)
{
    private long _evicted;

    public int MaxCells { get; } = maxCells;

    /// <summary>Settled cells evicted since start, over every row.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Cuts <paramref name="cells"/> (with <paramref name="settled"/> settled) back under the bound; returns the settled count after.</summary>
    internal int Enforce(Dictionary<string, QCell> cells, int settled, string? keep)
    {
        if (settled <= MaxCells)
        {
            return settled;
        }
        var target = MaxCells - MaxCells / 8;
        var ranked = new List<(string Item, QCell Cell)>(settled);
        foreach (var (item, cell) in cells)
        {
            if (cell.Impressions > 0)
            {
                ranked.Add((item, cell));
            }
        }
        // The better half by value is kept whatever its evidence (no more than the target: a restored row may be far over).
        ranked.Sort(static (a, b) => b.Cell.Value != a.Cell.Value ? b.Cell.Value.CompareTo(a.Cell.Value) : string.CompareOrdinal(a.Item, b.Item));
        var kept = Math.Min(ranked.Count / 2, target);
        var candidates = ranked.GetRange(kept, ranked.Count - kept);
        candidates.RemoveAll(c => c.Item == keep);
        candidates.Sort((a, b) =>
        {
            var byWeight = rule.SettledWeight(a.Cell.Impressions).CompareTo(rule.SettledWeight(b.Cell.Impressions));
            if (byWeight != 0)
            {
                return byWeight;
            }
            return a.Cell.Value != b.Cell.Value ? a.Cell.Value.CompareTo(b.Cell.Value) : string.CompareOrdinal(a.Item, b.Item);
        });
        var evict = Math.Min(settled - target, candidates.Count);
        for (var i = 0; i < evict; i++)
        {
            var (item, cell) = candidates[i];
            if (cell.PendingImpressions == 0 && cell.PendingReward == 0)
            {
                cells.Remove(item);
            }
            else
            {
                cells[item] = cell with { Value = 0, Impressions = 0 };
            }
        }
        Interlocked.Add(ref _evicted, evict);
        return settled - evict;
    }
}

using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class CellBudgetTests
{
    private static readonly LearningRule Rule = new(priorImpressions: 3, learningRateFloor: 0.02);

    private static QTable Bounded(int maxCells) => new(new CellBudget(maxCells, Rule));

    [Fact]
    public void PastMaxCellsARowEvictsTheLeastTriedCellsAndKeepsItsBestAndItsEstablishedOnes()
    {
        var table = Bounded(16);
        var row = table.Row("s");
        // 4 winners (always rewarded) and 8 established items (20 impressions each), then 28 items tried once.
        for (var n = 0; n < 20; n++)
        {
            for (var i = 0; i < 4; i++)
            {
                row.Settle($"best-{i}", 0.1, 1, Rule);
            }
            for (var i = 0; i < 8; i++)
            {
                row.Settle($"solid-{i}", 0.1, n % 5 == 0 ? 1 : 0, Rule);
            }
        }
        for (var i = 0; i < 28; i++)
        {
            row.Settle($"once-{i:00}", 0.1, 0, Rule);
        }

        Assert.InRange(row.SettledCount, 14, 16);
        Assert.Equal(row.SettledCount, row.Count);
        Assert.Equal(40 - row.SettledCount, table.EvictedCells);
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(row.TryGet($"best-{i}", out var c) && c.Impressions == 20));
        Assert.All(Enumerable.Range(0, 8), i => Assert.True(row.TryGet($"solid-{i}", out var c) && c.Impressions == 20));
        Assert.True(row.TryGet("once-27", out _), "the cell just settled is kept");
        Assert.False(row.TryGet("once-00", out _), "a cell tried once, settled first, is among the evicted");
        // The totals keep every settled impression: the segment's level does not forget.
        Assert.Equal(12 * 20 + 28, row.Totals.Impressions);
    }

    [Fact]
    public void EvictionReadsOnlyTheSettledTableSoAReplicaRestoredFromASnapshotEvictsTheSameCells()
    {
        var live = Bounded(20);
        var restarted = Bounded(20);
        var random = new Random(11);
        var folds = Enumerable.Range(0, 1200)
            .Select(_ => (Item: $"item-{random.Next(60):00}", Reward: random.NextDouble() < 0.2 ? 1.0 : 0.0, Prior: random.NextDouble() * 0.2))
            .ToList();

        foreach (var (item, reward, prior) in folds.Take(500))
        {
            live.Row("s").Settle(item, prior, reward, Rule);
            // Pending counts are this replica's own; they must not change what is evicted.
            live.Row("s").AddPending(item, 1, reward);
        }
        restarted.Restore(live.Snapshot());
        foreach (var (item, reward, prior) in folds.Skip(500))
        {
            live.Row("s").Settle(item, prior, reward, Rule);
            restarted.Row("s").Settle(item, prior, reward, Rule);
        }

        Assert.True(live.EvictedCells > 100, $"the bound was reached often (evicted {live.EvictedCells})");
        var a = live.Snapshot().Single(r => r.Key == "s");
        var b = restarted.Snapshot().Single(r => r.Key == "s");
        Assert.InRange(a.Cells.Count, 1, 20);
        Assert.Equal(a.Cells.OrderBy(c => c.Key, StringComparer.Ordinal), b.Cells.OrderBy(c => c.Key, StringComparer.Ordinal));
        Assert.Equal(a.Totals, b.Totals);
    }

    [Fact]
    public void ASnapshotLargerThanTheBoundIsCutBackWhenRestored()
    {
        var cells = Enumerable.Range(0, 40).ToDictionary(i => $"item-{i:00}", i => new SettledCell(i / 100.0, i + 1), StringComparer.Ordinal);
        var table = Bounded(16);

        table.Restore([new QRowSnapshot("s", new QRow.RowTotals(820, 10, 10), cells)]);

        var row = table.Row("s");
        Assert.InRange(row.SettledCount, 14, 16);
        Assert.Equal(40 - row.SettledCount, table.EvictedCells);
        Assert.True(row.TryGet("item-39", out _), "the best cell is kept");
    }

    [Fact]
    public void ACellShownButNeverSettledLeavesOnceItsPendingCountsReturnToZero()
    {
        var row = new QRow();
        row.AddPending("shown", 1, 0);
        row.AddPending("shown", 0, 1);
        row.Settle("settled", 0.1, 0, Rule);
        row.AddPending("settled", 1, 0);
        Assert.Equal(2, row.Count);

        row.AddPending("shown", -1, -1);
        row.AddPending("settled", -1, 0);

        Assert.Equal(1, row.Count);
        Assert.False(row.TryGet("shown", out _));
        Assert.True(row.TryGet("settled", out var cell) && cell.Impressions == 1);
    }
}

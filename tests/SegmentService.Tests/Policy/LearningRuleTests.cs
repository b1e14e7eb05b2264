using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class LearningRuleTests
{
    private static readonly LearningRule Rule = new(priorImpressions: 3, learningRateFloor: 0.02);

    [Fact]
    public void WhileTheStepIsAboveTheFloorTheCellIsThePriorWeightedRunningMean()
    {
        const double prior = 0.3, k = 3;
        var random = new Random(1);
        var row = new QRow();
        var sum = 0.0;
        // 1 / (k + n + 1) ≥ 0.02 for n ≤ 46: every one of these steps is in the running-mean phase.
        for (var n = 1; n <= 46; n++)
        {
            var reward = random.NextDouble() < 0.2 ? (random.NextDouble() < 0.3 ? 6 : 1) : 0;
            sum += reward;
            row.Settle("a", prior, reward, Rule);
            Assert.True(row.TryGet("a", out var cell));
            Assert.Equal(n, cell.Impressions);
            Assert.Equal((k * prior + sum) / (k + n), cell.Value, 12);
        }
        Assert.Equal(46, row.Totals.Impressions);
        Assert.Equal(sum, row.Totals.Reward);
    }

    [Fact]
    public void ThePriorIsUsedOnlyUntilTheFirstImpressionSettles()
    {
        var row = new QRow();
        row.Settle("a", 0.4, 1, Rule);
        row.Settle("a", 9.0, 0, Rule); // a later prior (the item's affinity changed) does not reset the cell
        Assert.True(row.TryGet("a", out var cell));
        Assert.Equal((3 * 0.4 + 1 + 0) / 5, cell.Value, 14);
    }

    [Fact]
    public void AfterTheRunningMeanPhaseTheStepStaysAtTheFloorAndTracksAMovedMean()
    {
        Assert.Equal(1.0 / 50, Rule.StepSize(46), 15);
        Assert.Equal(0.02, Rule.StepSize(47), 15);
        Assert.Equal(0.02, Rule.StepSize(10_000), 15);
        var cell = new QCell(0.5, 1000, 0, 0);
        Assert.Equal(0.5 + 0.02 * (1 - 0.5), Rule.Fold(cell, 0, 1).Value, 15);

        var row = new QRow();
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            row.Settle("a", 0, random.NextDouble() < (i < 1000 ? 0.8 : 0.2) ? 1 : 0, Rule);
        }
        row.TryGet("a", out var moved);
        // An exponential average over the last ~50 impressions: near 0.2, far from the 0.5 of an all-time mean.
        Assert.InRange(moved.Value, 0.05, 0.35);
    }

    [Fact]
    public void ServedMeanEqualsTheSettledResultInTheRunningMeanPhase()
    {
        const double prior = 0.12;
        double[] settledRewards = [0, 1, 0, 0, 6];
        double[] pendingRewards = [1, 0, 5, 0, 0, 1];
        var live = new QRow();
        var settled = new QRow();
        foreach (var r in settledRewards)
        {
            live.Settle("a", prior, r, Rule);
            settled.Settle("a", prior, r, Rule);
        }
        foreach (var r in pendingRewards)
        {
            live.AddPending("a", 1, 0);
            live.AddPending("a", 0, r);
            settled.Settle("a", prior, r, Rule);
        }

        live.TryGet("a", out var cell);
        settled.TryGet("a", out var done);
        var served = Rule.Serve(cell, prior);
        Assert.Equal(done.Value, served.Mean, 12);
        Assert.Equal(3 + 5 + 6, served.Weight);
        Assert.True(served.Known);
        // An untried item is served its prior, with the weight of k impressions.
        var untried = Rule.Serve(default, prior);
        Assert.Equal(prior, untried.Mean, 15);
        Assert.Equal((3.0, false), (untried.Weight, untried.Known));
    }

    [Fact]
    public void TheOrderOfPendingImpressionsAndRewardsDoesNotMatter()
    {
        (string Item, double Impressions, double Reward)[] adds =
        [
            ("a", 1, 0), ("b", 1, 0), ("a", 0, 1), ("a", 1, 0), ("b", 0, 5), ("a", 0, 5), ("c", 1, 0), ("b", 0, 1), ("c", 0, 1),
        ];
        var expected = Estimates(adds);
        var random = new Random(3);
        for (var run = 0; run < 20; run++)
        {
            Assert.Equal(expected, Estimates([.. adds.OrderBy(_ => random.Next())]));
        }
        // Removing the same contributions once they were added (as settling does), in any order, leaves nothing pending.
        var row = new QRow();
        foreach (var (item, n, r) in adds.OrderBy(_ => random.Next()).Concat(adds.Select(x => (x.Item, -x.Impressions, -x.Reward)).OrderBy(_ => random.Next())))
        {
            row.AddPending(item, n, r);
        }
        Assert.All(row.Cells(), c => Assert.Equal((0.0, 0.0), (c.Cell.PendingImpressions, c.Cell.PendingReward)));
    }

    private static CellEstimate[] Estimates(IEnumerable<(string Item, double Impressions, double Reward)> adds)
    {
        var row = new QRow();
        row.Settle("a", 0.2, 1, Rule);
        foreach (var (item, n, r) in adds)
        {
            row.AddPending(item, n, r);
        }
        var estimates = new CellEstimate[3];
        row.Estimate(["a", "b", "c"], [0.1, 0.1, 0.1], estimates, Rule);
        return estimates;
    }

    [Fact]
    public void SnapshotBodyRoundTripsExactly()
    {
        var table = new QTable();
        table.Row("s1").Settle("x", 1.0 / 3, Math.PI, Rule);
        table.Row("s2").Settle("y", -1e-300, 2, Rule);
        table.Row("s2").AddPending("z", 1, 1); // pending counts are this replica's, not the snapshot's
        var rows = table.Snapshot();
        var watermark = new Watermark(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero).AddTicks(10), "r-42");

        var (restoredMark, restored) = PolicySnapshotStore.Deserialize(PolicySnapshotStore.Serialize(watermark, rows))!.Value;

        Assert.Equal(watermark, restoredMark);
        Assert.Equal(rows.Select(r => (r.Key, r.Totals)), restored.Select(r => (r.Key, r.Totals)));
        Assert.Equal(rows[0].Cells["x"], restored[0].Cells["x"]);
        Assert.Equal(rows[1].Cells["y"], restored[1].Cells["y"]);
        Assert.False(restored[1].Cells.ContainsKey("z"));
    }

    [Fact]
    public void RestoringATableKeepsThisReplicasPendingCountsAndSumsTheGlobalTotals()
    {
        var table = new QTable();
        table.Row("s1").AddPending("x", 2, 1);
        table.Row("s1").Settle("y", 0.1, 1, Rule);
        table.Restore([
            new QRowSnapshot("s1", new QRow.RowTotals(4, 2, 2), new Dictionary<string, SettledCell> { ["x"] = new(0.5, 4) }),
            new QRowSnapshot("s2", new QRow.RowTotals(6, 1, 1), new Dictionary<string, SettledCell>()),
        ]);

        Assert.True(table.Row("s1").TryGet("x", out var x));
        Assert.Equal(new QCell(0.5, 4, 2, 1), x);
        Assert.False(table.Row("s1").TryGet("y", out _));
        Assert.Equal(new QRow.RowTotals(10, 3, 3), table.Row(QTable.GlobalKey).Totals);
    }

    [Fact]
    public void NewSegmentMixIsWeightedByTheUsersThatMoved()
    {
        var a = new QRowSnapshot("a", default, new Dictionary<string, SettledCell> { ["i"] = new(1, 5), ["j"] = new(0.4, 1) });
        var b = new QRowSnapshot("b", default, new Dictionary<string, SettledCell> { ["i"] = new(0, 9) });

        var mixed = PolicyCarryOver.Mix([(a, 3), (b, 1)]);

        Assert.Equal(new SettledCell(0.75, 6), mixed["i"]);
        Assert.Equal(1, mixed["j"].Impressions);
        Assert.Equal(0.4, mixed["j"].Value, 15);
    }
}

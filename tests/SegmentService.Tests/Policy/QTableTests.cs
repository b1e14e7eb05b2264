using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class QTableTests
{
    [Fact]
    public void UpdateMovesQByTheLearningRateTowardsTheTarget()
    {
        var row = new QRow();
        Assert.Equal(0.2 + 0.1 * (1 - 0.2), row.Apply("a", 0.2, 1, 0.1, 1), 15);
        // The starting value is used only while the item has none.
        Assert.Equal(0.28 + 0.1 * (0 - 0.28), row.Apply("a", 0.9, 0, 0.1, 2), 15);
        Assert.True(row.TryGet("a", out var entry));
        Assert.Equal(2, entry.Visits);
        Assert.Equal(2, row.LastSeq);
    }

    [Fact]
    public void SplitDiscountedUpdateEqualsTheOneStepFormula()
    {
        const double eta = 0.1, gamma = 0.7, r = 5, maxNext = 1.9;
        foreach (var start in new[] { 0.0, 0.35, -2.5, 12.0 })
        {
            var row = new QRow();
            // At feedback time: η (r − Q); at the next recommendation: η·γ·max_a' Q[s',a'].
            row.Apply("a", start, r, eta, 1);
            var split = row.ApplyBootstrap("a", double.NaN, gamma * maxNext, eta, 2);

            Assert.Equal(start + eta * (r + gamma * maxNext - start), split, 12);
            Assert.True(row.TryGet("a", out var entry));
            Assert.Equal(1, entry.Visits); // the bootstrap completes the reward's visit, it is not another one
            Assert.Equal(2, row.LastSeq);
        }
    }

    [Fact]
    public void ConstantLearningRateTracksAMovedMean()
    {
        var row = new QRow();
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            row.Apply("a", 0, random.NextDouble() < (i < 1000 ? 0.8 : 0.2) ? 1 : 0, 0.05, i);
        }
        row.TryGet("a", out var entry);
        Assert.InRange(entry.Value, 0.05, 0.35);
    }

    [Fact]
    public void SnapshotBodyRoundTripsExactly()
    {
        var table = new QTable();
        table.Row("s1").Apply("x", 1.0 / 3, Math.PI, 0.1, 7);
        table.Row("s2").Apply("y", -1e-300, 2, 0.3, 9);
        var rows = table.Snapshot();

        var (floor, restored) = PolicySnapshotStore.Deserialize(PolicySnapshotStore.Serialize(42, rows));

        Assert.Equal(42, floor);
        Assert.Equal(rows.Select(r => (r.Key, r.LastSeq)), restored.Select(r => (r.Key, r.LastSeq)));
        Assert.Equal(rows[0].Entries["x"], restored[0].Entries["x"]);
        Assert.Equal(rows[1].Entries["y"], restored[1].Entries["y"]);
    }

    [Fact]
    public void NewSegmentMixIsWeightedByTheUsersThatMoved()
    {
        var a = new QRowSnapshot("a", 0, new Dictionary<string, QEntry> { ["i"] = new(1, 5), ["j"] = new(0.4, 1) });
        var b = new QRowSnapshot("b", 0, new Dictionary<string, QEntry> { ["i"] = new(0, 9) });

        var mixed = SegmentCarryOver.Mix([(a, 3), (b, 1)]);

        Assert.Equal(0.75, mixed["i"].Value, 15);
        Assert.Equal(0.4, mixed["j"].Value, 15);
        Assert.All(mixed.Values, e => Assert.Equal(0, e.Visits));
    }
}

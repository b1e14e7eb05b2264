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

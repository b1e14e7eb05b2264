using SegmentService.Api.Policy;

namespace SegmentService.Api.Tests.Policy;

/// <summary>Compares settled tables: the same rows, totals and cells, to a tolerance (0: bit for bit).</summary>
public static class TableAssert
{
    public static void Equal(IReadOnlyList<QRowSnapshot> expected, IReadOnlyList<QRowSnapshot> actual, double tolerance = 0)
    {
        Assert.Equal(expected.Select(r => r.Key), actual.Select(r => r.Key));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.Cells.Keys.Order(StringComparer.Ordinal), a.Cells.Keys.Order(StringComparer.Ordinal));
            Close(e.Totals.Impressions, a.Totals.Impressions, tolerance, e.Key);
            Close(e.Totals.Reward, a.Totals.Reward, tolerance, e.Key);
            Close(e.Totals.SquaredReward, a.Totals.SquaredReward, tolerance, e.Key);
            foreach (var (item, cell) in e.Cells)
            {
                Assert.Equal(cell.Impressions, a.Cells[item].Impressions);
                Close(cell.Value, a.Cells[item].Value, tolerance, $"{e.Key}/{item}");
            }
        }
    }

    /// <summary>The same source rows with the same blend statistics (<see cref="PolicyFactory.Blend"/>), none of them empty.</summary>
    public static void EqualBlend(
        IReadOnlyList<(string Key, IReadOnlyList<double> Statistics)> expected, IReadOnlyList<(string Key, IReadOnlyList<double> Statistics)> actual, double tolerance = 0)
    {
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(r => r.Key), actual.Select(r => r.Key));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.True(e.Statistics[^1] > 0, $"{e.Key}: no shown items in the blend");
            Assert.Equal(e.Statistics.Count, a.Statistics.Count);
            for (var i = 0; i < e.Statistics.Count; i++)
            {
                Close(e.Statistics[i], a.Statistics[i], tolerance, $"{e.Key} blend[{i}]");
            }
        }
    }

    /// <summary>Settled impressions of the segment rows (the per-segment source rows count the same impressions again).</summary>
    public static double Impressions(IReadOnlyList<QRowSnapshot> table) =>
        table.Where(r => !r.Key.Contains('\u0001', StringComparison.Ordinal)).Sum(r => r.Totals.Impressions);

    private static void Close(double expected, double actual, double tolerance, string where)
    {
        if (tolerance == 0)
        {
            Assert.True(expected.Equals(actual), $"{where}: expected {expected:R}, got {actual:R}");
        }
        else
        {
            Assert.True(Math.Abs(expected - actual) <= tolerance, $"{where}: expected {expected:R}, got {actual:R} (tolerance {tolerance})");
        }
    }
}

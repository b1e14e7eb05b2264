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

    /// <summary>Settled impressions over all rows (each shown item once).</summary>
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

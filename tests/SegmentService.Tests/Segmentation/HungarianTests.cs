using SegmentService.Api.Segmentation;

namespace SegmentService.Tests.Segmentation;

public sealed class HungarianTests
{
    [Fact]
    public void FindsTheMinimumCostAssignment()
    {
        // Greedy (row by row, cheapest free column) would pick 0→0 (1) and pay 100 later; the optimum is 6.
        var cost = new double[,] { { 1, 2, 3 }, { 2, 100, 100 }, { 3, 100, 2 } };
        Assert.Equal([1, 0, 2], Hungarian.Solve(cost));
    }

    [Fact]
    public void MoreRowsThanColumnsLeavesTheCostliestRowsUnassigned()
    {
        var cost = new double[,] { { 5 }, { 1 }, { 9 } };
        Assert.Equal([-1, 0, -1], Hungarian.Solve(cost));
    }

    [Fact]
    public void MoreColumnsThanRowsUsesTheBestColumns()
    {
        var cost = new double[,] { { 4, 1, 3 }, { 2, 0, 5 } };
        Assert.Equal([1, 0], Hungarian.Solve(cost)); // 1 + 2 = 3 beats 0 + 3 or 0 + 4
    }

    [Fact]
    public void MatcherLeavesFarCentroidsUnmatched()
    {
        float[][] current = [[0, 0], [10, 10]];
        float[][] previous = [[0.1f, 0], [50, 50]];
        Assert.Equal([0, -1], SegmentMatcher.Match(current, previous, threshold: 3));
    }
}

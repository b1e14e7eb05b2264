using SegmentService.Api.Segmentation;

namespace SegmentService.Tests.Segmentation;

public sealed class SegmentMatcherTests
{
    [Fact]
    public void FarPairCannotTakeANearPairsKey()
    {
        // Old segments A at 0 and B at 51; new segments c at 1 (near A) and d at −2 (a little further from A).
        // B is beyond the threshold of both, so one of them must become a new segment; c is nearest to A.
        float[][] previous = [[0, 0], [51, 0]];
        float[][] current = [[1, 0], [-2, 0]];
        var distances = new double[,] { { 1, 50 }, { 2, 53 } };
        // Uncapped, the minimum total (50 + 2 < 1 + 53) hands A to d and leaves c with the hopeless B.
        Assert.Equal([1, 0], Hungarian.Solve(distances));

        Assert.Equal([0, -1], SegmentMatcher.Match(current, previous, threshold: 3));
    }

    [Fact]
    public void NearPairsKeepTheirKeysWhenANewFarSegmentAppears()
    {
        float[][] previous = [[0, 0], [5, 0], [0, 5]];
        float[][] current = [[0.4f, 0], [20, 20], [5, 0.3f], [0, 4.8f]];
        Assert.Equal([0, -1, 1, 2], SegmentMatcher.Match(current, previous, threshold: 3));
    }

    [Fact]
    public void PairJustBeyondTheThresholdStaysUnmatched()
    {
        float[][] previous = [[0, 0]];
        float[][] current = [[3.01f, 0]];
        Assert.Equal([-1], SegmentMatcher.Match(current, previous, threshold: 3));
    }
}

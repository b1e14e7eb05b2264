using SegmentService.Api.Segmentation;

namespace SegmentService.Tests.Segmentation;

public sealed class KSelectionTests
{
    [Fact]
    public void SilhouetteRowsAreASeededRandomSampleNotTheFirstRows()
    {
        var rows = KSelection.SilhouetteRows(n: 10_000, size: 2_000, seed: 42);

        Assert.Equal(2_000, rows.Length);
        Assert.Equal(2_000, rows.Distinct().Count());
        Assert.All(rows, r => Assert.InRange(r, 0, 9_999));
        Assert.NotEqual(Enumerable.Range(0, 2_000), rows);
        // Spread over the whole table: each half holds about half the sample (binomial sd ≈ 22 rows).
        Assert.InRange(rows.Count(r => r >= 5_000), 900, 1_100);
        Assert.Equal(rows, KSelection.SilhouetteRows(10_000, 2_000, seed: 42));
        Assert.NotEqual(rows, KSelection.SilhouetteRows(10_000, 2_000, seed: 43));
    }

    [Fact]
    public void SilhouetteRowsAreEveryRowWhenThereAreNoMore()
    {
        Assert.Equal(Enumerable.Range(0, 300), KSelection.SilhouetteRows(n: 300, size: 2_000, seed: 42));
    }

    [Fact]
    public void DefaultOptionsChooseKFromARangeAndAFixedKOverridesIt()
    {
        Assert.Equal((2, 12), new SegmentationOptions().KBounds);
        Assert.Equal((6, 6), new SegmentationOptions { K = 6 }.KBounds);
        Assert.Equal((3, 9), new SegmentationOptions { KRange = "3-9" }.KBounds);
        Assert.True(new SegmentationOptionsValidator().Validate(null, new SegmentationOptions()).Succeeded);
    }
}

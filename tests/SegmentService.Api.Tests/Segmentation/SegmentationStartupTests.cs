using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Segmentation;

public sealed class SegmentationStartupTests
{
    [Theory]
    [InlineData("Segmentation:K", "1", "Segmentation:K must be empty or from 2")]
    [InlineData("Segmentation:K", "500", "Segmentation:K must be empty or from 2")]
    [InlineData("Segmentation:KRange", "7-3", "Segmentation:KRange must be min-max")]
    [InlineData("Segmentation:KRange", "three", "Segmentation:KRange must look like")]
    [InlineData("Segmentation:KRange", "1-12", "Segmentation:KRange must be min-max")]
    [InlineData("Segmentation:KRange", "", "Segmentation:KRange must be set")]
    [InlineData("Segmentation:Interval", "00:00:00", "Segmentation:Interval must be from")]
    [InlineData("Segmentation:MinUsers", "0", "Segmentation:MinUsers must be at least 1")]
    public void BadSegmentationSettingStopsStartupNamingIt(string key, string value, string expected) =>
        Assert.Contains(expected, StartupProbe.Failure("Development", (key, value)), StringComparison.Ordinal);
}

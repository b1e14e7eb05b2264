using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Hosting;

public sealed class StartupValidationTests
{
    [Fact]
    public void ProductionRefusesToStartWithoutKeys()
    {
        var message = StartupProbe.Failure("Production");
        Assert.Contains("Auth:StorefrontKeys", message, StringComparison.Ordinal);
        Assert.Contains("Auth:AdminKeys", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortKeyStopsStartupNamingTheSetting()
    {
        var message = StartupProbe.Failure("Production",
            ("Auth:StorefrontKeys:0", "short"), ("Auth:AdminKeys:0", TestKeys.Admin));
        Assert.Contains("Auth:StorefrontKeys:0", message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyInTwoRolesStopsStartup()
    {
        var message = StartupProbe.Failure("Production",
            ("Auth:StorefrontKeys:0", TestKeys.Admin), ("Auth:AdminKeys:0", TestKeys.Admin));
        Assert.Contains("a key has one role", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DevelopmentStartsWithDevelopmentKeys() => StartupProbe.AssertStarts("Development");

    [Fact]
    public void BadDatabaseSettingStopsStartupNamingIt()
    {
        var message = StartupProbe.Failure("Development", ("Database:StartupTimeout", "01:00:00"));
        Assert.Contains("StartupTimeout", message, StringComparison.Ordinal);
    }
}

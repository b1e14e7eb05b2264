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

    [Theory]
    [InlineData("RateLimits:FrontendClientPerSecond", "-1", "FrontendClientPerSecond")]
    [InlineData("RateLimits:Burst", "00:00:00", "Burst")]
    [InlineData("Cors:AllowedOrigins:0", "*", "Cors:AllowedOrigins:0")]
    [InlineData("Cors:AllowedOrigins:0", "https://shop.example.com/path", "Cors:AllowedOrigins:0")]
    [InlineData("Database:CommandTimeout", "00:00:00", "CommandTimeout")]
    [InlineData("Shutdown:Timeout", "01:00:00", "Timeout")]
    public void BadHardeningSettingStopsStartupNamingIt(string key, string value, string named)
    {
        var message = StartupProbe.Failure("Development", (key, value));
        Assert.Contains(named, message, StringComparison.Ordinal);
    }
}

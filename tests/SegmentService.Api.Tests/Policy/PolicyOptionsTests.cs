using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SegmentService.Api.Policy;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

public sealed class PolicyOptionsTests
{
    [Theory]
    [InlineData("Policy:Epsilon", "1.5")]
    [InlineData("Policy:Temperature", "0")]
    [InlineData("Policy:LearningRate", "0")]
    [InlineData("Policy:Discount", "1")]
    [InlineData("Policy:RewardWindow", "00:00:00")]
    [InlineData("Policy:SettleDelay", "02:00:00")]
    [InlineData("Policy:SweepInterval", "00:00:00")]
    [InlineData("Policy:PriorImpressions", "0")]
    [InlineData("Policy:Optimism", "-1")]
    [InlineData("Policy:FeedbackBatchSize", "0")]
    [InlineData("Policy:Rewards:Purchase", "NaN")]
    [InlineData("Policy:MaxCellsPerSegment", "0")]
    [InlineData("Policy:MaxPriorItemsPerSegment", "15")]
    [InlineData("Retention:OutcomeAge", "00:30:00")]
    [InlineData("Retention:KeepSnapshots", "0")]
    [InlineData("Retention:Interval", "00:00:00")]
    [InlineData("Retention:BatchSize", "0")]
    public async Task BadSettingStopsHostStartNamingIt(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new(key, value)]);
        builder.Services.AddPolicyOptions();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, string.Join("\n", error.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Recommend:MaxPurchaseUsers", "0")]
    [InlineData("Recommend:MaxPurchasesPerUser", "10001")]
    public async Task BadRecommendBoundStopsHostStartNamingIt(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new(key, value)]);
        builder.Services.AddOptions<SegmentService.Api.Recommendations.RecommendOptions>()
            .BindConfiguration(SegmentService.Api.Recommendations.RecommendOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, string.Join("\n", error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void TheServiceDoesNotStartWithABadPolicySetting()
    {
        Assert.Contains("Policy:Epsilon", StartupProbe.Failure("Development", ("Policy:Epsilon", "-0.1")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheServiceDoesNotStartWithABadRecommendSetting()
    {
        Assert.Contains("Recommend:MaxExclude", StartupProbe.Failure("Development", ("Recommend:MaxExclude", "0")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheServiceStartsWithTheDefaults()
    {
        StartupProbe.AssertStarts("Development");
    }
}

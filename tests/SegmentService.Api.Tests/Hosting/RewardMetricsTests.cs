using System.Globalization;
using SegmentService.Api.Tests.Infrastructure;
using SegmentService.Api.Tests.Policy;

namespace SegmentService.Api.Tests.Hosting;

public sealed class NegativeDefaultRewardFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:Rewards:Default", "-0.5")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 5).Select(i => ($"rm-item-{i}", "shoes", true)));
    }
}

public sealed class RewardMetricsTests(NegativeDefaultRewardFactory factory) : IClassFixture<NegativeDefaultRewardFactory>
{
    [Fact]
    public async Task NegativeDefaultRewardsAreCountedAsPenaltiesSoEveryCounterOnlyRises()
    {
        factory.Segments.Keys["rm-user"] = "seg-rm";
        var storefront = factory.Storefront();
        var answer = await PolicyFactory.RecommendAsync(storefront, "userId=rm-user&count=3");
        (await PolicyFactory.ClickAsync(storefront, answer.RecommendationId, answer.Items[0].ItemId)).EnsureSuccessStatusCode();
        await factory.CloseWindowsAsync();

        Assert.Equal(1, await factory.SweepAsync());

        var text = await factory.ClientWithKey(null).GetStringAsync("/metrics");
        Assert.Equal(2, Value(text, "segmentservice_default_rewards_total"));
        Assert.Equal(1.0, Value(text, "segmentservice_penalty_total{type=\"expired\"}"), 12);
        Assert.Equal(1, Value(text, "segmentservice_reward_total{type=\"click\"}"));
        Assert.Equal(1, Value(text, "segmentservice_feedback_total{type=\"click\",outcome=\"applied\"}"));
    }

    private static double Value(string text, string series) =>
        text.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], CultureInfo.InvariantCulture)).DefaultIfEmpty(double.NaN).Single();
}

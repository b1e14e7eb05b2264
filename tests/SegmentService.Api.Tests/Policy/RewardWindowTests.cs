using System.Net;
using SegmentService.Api.Feedback;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

public sealed class RewardWindowFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:Rewards:Default", "-0.5")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 6).Select(i => ($"w-item-{i}", "shoes", true)));
    }
}

/// <summary>One test: the class shares a clock, which it moves.</summary>
public sealed class RewardWindowTests(RewardWindowFactory factory) : IClassFixture<RewardWindowFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task LateFeedbackIsRefusedAndEachShownItemIsSettledOnceAfterTheSettleDelay()
    {
        factory.Segments.Keys["late"] = "seg-late";
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=late&count=3");
        var clicked = answer.Items[0].ItemId;
        await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, clicked)).ReadOkAsync<FeedbackResponse>();

        factory.Time.Advance(TimeSpan.FromMinutes(10));
        var late = await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, answer.Items[1].ItemId))
            .AssertProblemAsync(HttpStatusCode.Gone);
        Assert.Contains("not applied", late.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The window is closed, but the settle delay (5 s) covers in-flight writes: nothing is settled yet.
        Assert.Equal(0, await factory.SweepAsync());
        factory.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, await factory.SweepAsync());
        Assert.Equal(0, await factory.SweepAsync());

        var row = factory.Table().Single(r => r.Key == "seg-late");
        var k = factory.Rule().PriorImpressions;
        Assert.Equal(3, row.Totals.Impressions);
        Assert.Equal(1 - 0.5 - 0.5, row.Totals.Reward, 12);
        Assert.All(row.Cells.Values, c => Assert.Equal(1, c.Impressions));
        Assert.Equal((k * answer.Items[0].Score + 1) / (k + 1), row.Cells[clicked].Value, 12);
        Assert.Equal((k * answer.Items[1].Score - 0.5) / (k + 1), row.Cells[answer.Items[1].ItemId].Value, 12);
        // Only what came back is logged; the default reward is the sweeper's, not a row.
        Assert.Equal(1L, await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM feedback WHERE recommendation_id = '{answer.RecommendationId}'"));
        Assert.Equal(0, factory.Get<SegmentService.Api.Policy.ImpressionLog>().OpenCount);
    }
}

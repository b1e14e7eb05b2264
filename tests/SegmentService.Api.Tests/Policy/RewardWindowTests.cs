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
    public async Task LateFeedbackIsRefusedAndUnrewardedItemsGetTheDefaultRewardOnce()
    {
        factory.Segments.Keys["late"] = "seg-late";
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=late&count=3");
        var clicked = answer.Items[0].ItemId;
        await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, clicked)).ReadOkAsync<FeedbackResponse>();

        factory.Time.Advance(TimeSpan.FromMinutes(10));
        var late = await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, answer.Items[1].ItemId))
            .AssertProblemAsync(HttpStatusCode.Gone);
        Assert.Contains("not applied", late.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(2, await factory.SweepAsync());
        Assert.Equal(0, await factory.SweepAsync());

        var row = factory.Table().Single(r => r.Key == "seg-late");
        Assert.Equal(3, row.Entries.Values.Sum(e => e.Visits));
        Assert.Equal(answer.Items[1].Score + 0.1 * (-0.5 - answer.Items[1].Score), row.Entries[answer.Items[1].ItemId].Value, 12);
        Assert.Equal(2L, await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM feedback WHERE recommendation_id = '{answer.RecommendationId}' AND type = 0"));
        Assert.True(await factory.ScalarAsync<bool>(
            $"SELECT settled FROM impressions WHERE recommendation_id = '{answer.RecommendationId}'"));
    }
}

using System.Net;
using SegmentService.Api.Feedback;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

public sealed class FeedbackFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:Epsilon", "0")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 8).Select(i => ($"fb-item-{i}", "shoes", true)));
    }
}

public sealed class FeedbackTests(FeedbackFactory factory) : IClassFixture<FeedbackFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task ClickIsAppliedOnceAndRecordsOneBehaviourEvent()
    {
        factory.Segments.Keys["clicker"] = "seg-click";
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=clicker&count=3");
        var item = answer.Items[1].ItemId;

        var first = await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, item)).ReadOkAsync<FeedbackResponse>();
        var again = await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, item)).ReadOkAsync<FeedbackResponse>();

        Assert.Equal((true, 1.0), (first.Applied, first.Reward));
        Assert.False(again.Applied);
        var row = Assert.Single(factory.Table(), r => r.Key == "seg-click");
        Assert.Equal(1, row.Entries[item].Visits);
        Assert.Equal(1L, await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM events WHERE user_id = 'clicker' AND type = 2 AND item_id = '{item}'"));
        Assert.Equal(1L, await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM feedback WHERE recommendation_id = '{answer.RecommendationId}'"));

        // γ = 0: nothing is left pending and the next request logs no bootstrap.
        Assert.Equal(0, factory.Get<SegmentService.Api.Policy.NextSegmentBootstraps>().PendingUsers);
        await PolicyFactory.RecommendAsync(_client, "userId=clicker&count=3");
        Assert.Equal(0, factory.Get<SegmentService.Api.Policy.NextSegmentBootstraps>().Queued);
        Assert.Equal(0L, await factory.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE type = 4"));
    }

    [Fact]
    public async Task QMovesByLearningRateTowardsTheReward()
    {
        factory.Segments.Keys["learner"] = "seg-learn";
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=learner&count=1");
        var item = answer.Items[0];

        await (await PolicyFactory.PurchaseAsync(_client, answer.RecommendationId, item.ItemId, 49.5m)).ReadOkAsync<FeedbackResponse>();

        // Q ← Q + η (r − Q) with η = 0.1, r = 5, starting from the prior the answer showed as its score.
        var q = factory.Table().Single(r => r.Key == "seg-learn").Entries[item.ItemId].Value;
        Assert.Equal(item.Score + 0.1 * (5 - item.Score), q, 12);
        Assert.Equal(49.5m, await factory.ScalarAsync<decimal>(
            $"SELECT value FROM events WHERE user_id = 'learner' AND type = 4"));
    }

    [Fact]
    public async Task ClickAndPurchaseOfOneItemAreBothApplied()
    {
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=both&count=1");
        var item = answer.Items[0].ItemId;
        Assert.True((await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, item)).ReadOkAsync<FeedbackResponse>()).Applied);
        Assert.True((await (await PolicyFactory.PurchaseAsync(_client, answer.RecommendationId, item, 1)).ReadOkAsync<FeedbackResponse>()).Applied);
        Assert.False((await (await PolicyFactory.PurchaseAsync(_client, answer.RecommendationId, item, 1)).ReadOkAsync<FeedbackResponse>()).Applied);
    }

    [Fact]
    public async Task UnknownRecommendationIsA404()
    {
        await (await PolicyFactory.ClickAsync(_client, "r-unknown", "fb-item-1")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ItemNotInTheRecommendationIsA422()
    {
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=u422&count=1");
        var other = Enumerable.Range(0, 8).Select(i => $"fb-item-{i}").First(id => id != answer.Items[0].ItemId);
        await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, other)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("""{"itemId":"x"}""", "recommendationId")]
    [InlineData("""{"recommendationId":"r-1"}""", "itemId")]
    [InlineData("""{"recommendationId":"r-1","itemId":5}""", "itemId")]
    public async Task InvalidBodyNamesTheField(string body, string field)
    {
        await (await _client.PostAsync("/feedback/click", HttpAssertions.Json(body))).AssertFieldErrorAsync(field);
    }

    [Fact]
    public async Task NegativePurchaseAmountIsRejected()
    {
        await (await _client.PostAsync("/feedback/purchase", HttpAssertions.Json("""{"recommendationId":"r-1","itemId":"x","amount":-1}""")))
            .AssertFieldErrorAsync("amount");
    }

    [Fact]
    public async Task FrontendKeyMayPostFeedback()
    {
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=front&count=1");
        using var frontend = factory.ClientWithKey(TestKeys.Frontend);
        Assert.True((await (await PolicyFactory.ClickAsync(frontend, answer.RecommendationId, answer.Items[0].ItemId))
            .ReadOkAsync<FeedbackResponse>()).Applied);
    }

    [Fact]
    public async Task BoughtItemIsNotRecommendedAgain()
    {
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=rebuy&count=8");
        var bought = answer.Items[0].ItemId;
        await (await PolicyFactory.PurchaseAsync(_client, answer.RecommendationId, bought, 10)).ReadOkAsync<FeedbackResponse>();

        var next = await PolicyFactory.RecommendAsync(_client, "userId=rebuy&count=8");
        Assert.DoesNotContain(bought, next.Items.Select(i => i.ItemId));
        Assert.Equal(7, next.Items.Count);
    }
}

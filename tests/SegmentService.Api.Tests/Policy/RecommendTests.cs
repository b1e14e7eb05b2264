using System.Net;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

public sealed class RecommendFactory : PolicyFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync([
            .. Enumerable.Range(0, 20).Select(i => ($"shoe-{i:00}", "shoes", true)),
            .. Enumerable.Range(0, 5).Select(i => ($"bag-{i}", "bags", true)),
            ("gone-1", "shoes", false),
        ]);
    }
}

public sealed class RecommendTests(RecommendFactory factory) : IClassFixture<RecommendFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task UnknownUserGetsColdStartSegmentAndTenDistinctItems()
    {
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=stranger");

        Assert.StartsWith("r-", answer.RecommendationId, StringComparison.Ordinal);
        Assert.Equal("stranger", answer.UserId);
        Assert.Equal("cold-start", answer.Segment.Key);
        Assert.False(string.IsNullOrEmpty(answer.Segment.Label));
        Assert.Equal(10, answer.Items.Count);
        Assert.Equal(10, answer.Items.Select(i => i.ItemId).Distinct().Count());
        Assert.All(answer.Items, i => Assert.InRange(i.Propensity, 1e-9, 1.0));
        Assert.All(answer.Items, i => Assert.Equal(i.Explored ? "explore" : "segment", i.Source));
    }

    [Fact]
    public async Task ResponseUsesTheContractFieldNames()
    {
        var text = await (await _client.GetAsync("/recommend?userId=u-shape&count=1")).Content.ReadAsStringAsync();
        foreach (var field in new[] { "recommendationId", "userId", "segment", "key", "label", "policyVersion", "items", "itemId", "score", "propensity", "explored", "source" })
        {
            Assert.Contains($"\"{field}\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NeverReturnsOutOfStockExcludedOrBoughtItems()
    {
        factory.Get<SegmentService.Api.Recommendations.PurchaseHistory>();
        using var events = factory.Storefront();
        (await events.PostAsync("/events", HttpAssertions.Json("""
            {"events":[{"eventId":"buy-1","userId":"buyer","type":"purchase","itemId":"shoe-03"}]}
            """))).EnsureSuccessStatusCode();

        for (var i = 0; i < 5; i++)
        {
            var answer = await PolicyFactory.RecommendAsync(_client, "userId=buyer&count=100&category=shoes&exclude=shoe-00,shoe-01");
            var ids = answer.Items.Select(x => x.ItemId).ToList();
            Assert.Equal(17, ids.Count);
            Assert.DoesNotContain("gone-1", ids);
            Assert.DoesNotContain("shoe-00", ids);
            Assert.DoesNotContain("shoe-01", ids);
            Assert.DoesNotContain("shoe-03", ids);
            Assert.All(ids, id => Assert.StartsWith("shoe-", id, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AnItemPutInStockIsRecommendedAtOnceAndOneTakenOutIsNot()
    {
        await factory.AddItemsAsync([("hat-1", "hats", true)]);
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=u-hat&category=hats");
        Assert.Equal("hat-1", Assert.Single(answer.Items).ItemId);

        await factory.AddItemsAsync([("hat-1", "hats", false)]);
        Assert.Empty((await PolicyFactory.RecommendAsync(_client, "userId=u-hat&category=hats")).Items);
    }

    [Theory]
    [InlineData("count=5", "userId")]
    [InlineData("userId=u1&count=0", "count")]
    [InlineData("userId=u1&count=101", "count")]
    [InlineData("userId=u1&count=ten", "count")]
    [InlineData("userId=u1&exclude=a,%01b", "exclude")]
    [InlineData("userId=%20", "userId")]
    public async Task InvalidQueryNamesTheField(string query, string field)
    {
        await (await _client.GetAsync("/recommend?" + query)).AssertFieldErrorAsync(field);
    }

    [Fact]
    public async Task FrontendKeyMayNotAskForRecommendations()
    {
        using var frontend = factory.ClientWithKey(TestKeys.Frontend);
        await (await frontend.GetAsync("/recommend?userId=u1")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task EveryAnswerIsLoggedAsAnImpression()
    {
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=u-log&count=3");
        await factory.Get<SegmentService.Api.Policy.ImpressionLog>().FlushAsync(CancellationToken.None);

        var stored = await factory.ScalarAsync<string>(
            $"SELECT user_id || '|' || segment_key || '|' || array_length(item_ids, 1) || '|' || array_length(propensities, 1) || '|' || array_length(priors, 1) FROM impressions WHERE recommendation_id = '{answer.RecommendationId}'");
        Assert.Equal("u-log|cold-start|3|3|3", stored);
    }
}

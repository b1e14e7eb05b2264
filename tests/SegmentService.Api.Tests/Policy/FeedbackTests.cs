using System.Net;
using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
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
        // Counted once as pending at once (the shown impression and its reward), before any window closes.
        var cell = factory.LiveCell("seg-click", item);
        Assert.Equal((1.0, 1.0, 0L), (cell.PendingImpressions, cell.PendingReward, cell.Impressions));
        await factory.FeedbackEventsWrittenAsync();
        Assert.Equal(1L, await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM events WHERE user_id = 'clicker' AND type = 2 AND item_id = '{item}'"));
        Assert.Equal(1L, await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM feedback WHERE recommendation_id = '{answer.RecommendationId}'"));
    }

    [Fact]
    public async Task PurchaseMovesTheServedValueAtOnceAndSettlesToTheSameRunningMean()
    {
        factory.Segments.Keys["learner"] = "seg-learn";
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=learner&count=1");
        var item = answer.Items[0];
        await factory.Get<ImpressionLog>().FlushAsync(CancellationToken.None);
        var prior = await factory.ScalarAsync<double>($"SELECT priors[1] FROM impressions WHERE recommendation_id = '{answer.RecommendationId}'");
        Assert.Equal(item.Score, prior, 12);

        await (await PolicyFactory.PurchaseAsync(_client, answer.RecommendationId, item.ItemId, 49.5m)).ReadOkAsync<FeedbackResponse>();

        // The prior is worth k impressions: one impression with reward 5 gives (k·p + 5) / (k + 1), served at once.
        var rule = factory.Rule();
        var k = rule.PriorImpressions;
        var expected = (k * prior + 5) / (k + 1);
        var served = rule.Serve(factory.LiveCell("seg-learn", item.ItemId), prior).Mean;
        Assert.Equal(expected, served, 12);

        await factory.CloseWindowsAsync();
        Assert.True(await factory.SweepAsync() >= 1);
        var settled = factory.Cell("seg-learn", item.ItemId);
        Assert.Equal(1L, settled.Impressions);
        Assert.Equal(expected, settled.Value, 12);
        Assert.Equal(served, settled.Value, 12);
        var after = factory.LiveCell("seg-learn", item.ItemId);
        Assert.Equal((0.0, 0.0), (after.PendingImpressions, after.PendingReward));
        await factory.FeedbackEventsWrittenAsync();
        Assert.Equal(49.5m, await factory.ScalarAsync<decimal>(
            $"SELECT value FROM events WHERE user_id = 'learner' AND type = 4"));
    }

    [Fact]
    public async Task ClickAndPurchaseOfOneItemAddUpToOneImpressionsReward()
    {
        factory.Segments.Keys["both"] = "seg-both";
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=both&count=1");
        var item = answer.Items[0].ItemId;
        Assert.True((await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, item)).ReadOkAsync<FeedbackResponse>()).Applied);
        Assert.True((await (await PolicyFactory.PurchaseAsync(_client, answer.RecommendationId, item, 1)).ReadOkAsync<FeedbackResponse>()).Applied);
        Assert.False((await (await PolicyFactory.PurchaseAsync(_client, answer.RecommendationId, item, 1)).ReadOkAsync<FeedbackResponse>()).Applied);

        await factory.CloseWindowsAsync();
        await factory.SweepAsync();
        var row = factory.Table().Single(r => r.Key == "seg-both");
        // One impression with reward 1 + 5, not two updates.
        Assert.Equal((1.0, 6.0), (row.Totals.Impressions, row.Totals.Reward));
        var k = factory.Rule().PriorImpressions;
        Assert.Equal((k * answer.Items[0].Score + 6) / (k + 1), row.Cells[item].Value, 12);
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

        // The matching purchase event is written right behind the answer (not before it), so allow it a moment.
        var next = await PolicyFactory.RecommendAsync(_client, "userId=rebuy&count=8");
        for (var attempt = 0; attempt < 50 && next.Items.Any(i => i.ItemId == bought); attempt++)
        {
            await Task.Delay(20);
            next = await PolicyFactory.RecommendAsync(_client, "userId=rebuy&count=8");
        }
        Assert.DoesNotContain(bought, next.Items.Select(i => i.ItemId));
        Assert.Equal(7, next.Items.Count);
    }
}

using System.Net;
using System.Text.Json;
using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

public sealed class PoisoningFactory : PolicyFactory
{
    // What gets past the rate limiter is the question here: every request of the flood is let through.
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("RateLimits:Enabled", "false")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 8).Select(i => ($"z-item-{i}", "shoes", true)));
    }
}

/// <summary>
/// Whoever holds the public frontend key can send as many requests as the rate limit allows: they may move what the
/// service learns no more than honest traffic of that many requests, and never for another user.
/// </summary>
public sealed class FrontendPoisoningTests(PoisoningFactory factory) : IClassFixture<PoisoningFactory>
{
    private readonly HttpClient _frontend = factory.ClientWithKey(TestKeys.Frontend);
    private readonly HttpClient _storefront = factory.Storefront();

    [Fact]
    public async Task A200ClickFloodFromTheFrontendKeyMovesTheLearntValueAsOneHonestClickDoes()
    {
        factory.Segments.Keys["zp-shopper"] = "seg-zp";
        factory.Segments.Keys["zp-victim"] = "seg-zp-victim";
        var answer = await PolicyFactory.RecommendAsync(_storefront, "userId=zp-shopper&count=3");
        var victimAnswer = await PolicyFactory.RecommendAsync(_storefront, "userId=zp-victim&count=3");
        var target = answer.Items[0].ItemId;
        var notShown = Enumerable.Range(0, 8).Select(i => $"z-item-{i}").First(id => answer.Items.All(i => i.ItemId != id));

        var outcomes = new Dictionary<HttpStatusCode, int>();
        var applied = 0;
        for (var i = 0; i < 200; i++)
        {
            using var response = (i % 4) switch
            {
                // The same recommendation and item again and again.
                0 or 1 => await PolicyFactory.ClickAsync(_frontend, answer.RecommendationId, target),
                // Recommendations the service never issued.
                2 when i % 8 == 2 => await PolicyFactory.ClickAsync(_frontend, $"r-{i:x32}", target),
                // An item the recommendation did not show.
                2 => await PolicyFactory.ClickAsync(_frontend, answer.RecommendationId, notShown),
                // A purchase reward, worth five clicks.
                _ => await PolicyFactory.PurchaseAsync(_frontend, answer.RecommendationId, target, 10),
            };
            outcomes[response.StatusCode] = outcomes.GetValueOrDefault(response.StatusCode) + 1;
            if (response.StatusCode == HttpStatusCode.OK && (await response.ReadOkAsync<FeedbackResponse>()).Applied)
            {
                applied++;
            }
        }

        Assert.Equal(1, applied);
        Assert.Equal(100, outcomes[HttpStatusCode.OK]);
        Assert.Equal(25, outcomes[HttpStatusCode.NotFound]);
        Assert.Equal(25, outcomes[HttpStatusCode.UnprocessableEntity]);
        Assert.Equal(50, outcomes[HttpStatusCode.Forbidden]);
        Assert.Equal(1L, await factory.ScalarAsync<long>("SELECT count(*) FROM feedback"));

        await factory.FeedbackEventsWrittenAsync();
        await factory.CloseWindowsAsync();
        Assert.Equal(2, await factory.SweepAsync());
        // One honest click on the shown item: from the prior logged with the impression, one impression with reward 1.
        var prior = await factory.ScalarAsync<double>(
            $"SELECT priors[array_position(item_ids, '{target}')] FROM impressions WHERE recommendation_id = '{answer.RecommendationId}'");
        var k = factory.Rule().PriorImpressions;
        var cell = factory.Cell("seg-zp", target);
        Assert.Equal(1, cell.Impressions);
        Assert.Equal((k * prior + 1) / (k + 1), cell.Value, 12);
        Assert.False(factory.Table().Single(r => r.Key == "seg-zp").Cells.ContainsKey(notShown));
        Assert.Equal(1.0, factory.Table().Single(r => r.Key == "seg-zp").Totals.Reward, 12);
        // Another user's slate in another segment: settled with nothing but the default reward, and nothing excluded.
        Assert.Equal(0.0, factory.Table().Single(r => r.Key == "seg-zp-victim").Totals.Reward, 12);
        var victimAgain = await PolicyFactory.RecommendAsync(_storefront, "userId=zp-victim&count=8");
        Assert.Equal(8, victimAgain.Items.Count);
        Assert.Equal(3, victimAnswer.Items.Count);
    }

    [Fact]
    public async Task FrontendEventsUnderManyUserIdsDoNotMoveThePriorsEvenWhenTheyAreRebuilt()
    {
        var feed = factory.Get<ItemPriorsFeed>();
        var priors = factory.Get<ItemPriors>();
        // A storefront click under a cold-start user gives the shop something to rebuild from.
        (await _storefront.PostAsync("/events", Json("""
            {"events":[{"eventId":"zp-honest-1","userId":"zp-honest","type":"click","itemId":"z-item-5"}]}
            """))).EnsureSuccessStatusCode();
        await feed.LoadAsync(CancellationToken.None);
        var before = Enumerable.Range(0, 8).Select(i => priors.Prior("cold-start", $"z-item-{i}")).ToArray();

        // 4 requests of 100 add-to-cart events each, every one under a new user id, all for one item.
        for (var batch = 0; batch < 4; batch++)
        {
            var events = Enumerable.Range(0, 100).Select(n => new
            {
                eventId = $"zp-flood-{batch}-{n}",
                userId = $"zp-fake-{batch}-{n}",
                type = "add_to_cart",
                itemId = "z-item-7",
            });
            (await _frontend.PostAsync("/events", Json(JsonSerializer.Serialize(new { events })))).EnsureSuccessStatusCode();
        }
        Assert.Equal(400L, await factory.ScalarAsync<long>("SELECT count(*) FROM events WHERE item_id = 'z-item-7'"));
        var live = Enumerable.Range(0, 8).Select(i => priors.Prior("cold-start", $"z-item-{i}")).ToArray();
        // A restart or a segmentation run rebuilds the priors from the events table.
        await feed.LoadAsync(CancellationToken.None);
        var rebuilt = Enumerable.Range(0, 8).Select(i => priors.Prior("cold-start", $"z-item-{i}")).ToArray();

        Assert.Equal(before, live);
        Assert.Equal(before, rebuilt);
    }
}

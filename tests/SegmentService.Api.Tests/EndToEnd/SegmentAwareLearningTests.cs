using System.Text.Json;
using System.Text.Json.Nodes;
using SegmentService.Api.Tests.Infrastructure;
using SegmentService.Api.Tests.Segmentation;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.EndToEnd;

/// <summary>Real segmentation feeding the real policy: no stand-in for the segment lookup.</summary>
public sealed class SegmentAwareLearningFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Segmentation:K", "4"),
        new("Segmentation:MinUsers", "20"),
        new("Segmentation:TopCategories", "6"),
        new("Segmentation:ScheduleEnabled", "false"),
        new("Policy:Epsilon", "0"),
        new("Policy:Seed", "5"),
        new("Policy:SweepInterval", "01:00:00"),
    ];
}

public sealed class SegmentAwareLearningTests(SegmentAwareLearningFactory factory) : IClassFixture<SegmentAwareLearningFactory>
{
    private static readonly string[] NewItems = ["new-0", "new-1", "new-2", "new-3"];

    [Fact]
    public async Task EachSegmentLearnsItsOwnFavouriteAndAUserWhoseTasteShiftsGetsTheOtherSegmentsAtOnce()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        var items = new JsonArray([.. NewItems.Select(id => (JsonNode)new JsonObject
        {
            ["itemId"] = id, ["category"] = "new", ["price"] = 20, ["inStock"] = true,
        })]);
        (await factory.Storefront().PostAsync("/items", Json(new JsonObject { ["items"] = items }.ToJsonString()))).EnsureSuccessStatusCode();
        await shop.PostBehaviourAsync();
        // Before the run: shoes shoppers click new-2, book readers only look at it.
        var now = factory.Time.GetUtcNow();
        await shop.PostAsync([.. Enumerable.Range(0, 10).SelectMany(i => new[]
        {
            NewItemEvent($"pre-click-{i}", $"u0-{i}", "click", now), NewItemEvent($"pre-view-{i}", $"u1-{i}", "view", now),
        })]);
        var admin = factory.Admin();
        var firstRun = await admin.RunToEndAsync();
        var segmentOf = await admin.SegmentsOfAsync(shop.AllUsers.Select(u => u.User));
        var shoesKey = segmentOf["u0-0"];
        var booksKey = segmentOf["u1-0"];
        Assert.NotEqual(shoesKey, booksKey);

        // Before any feedback, each segment's prior for new-2 comes from its own members' events, including
        // those that arrived before the run made the segments.
        // Listeners hear of the run just after it reads 'succeeded'; allow them a moment.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await ScoreAsync("u0-0", "new-2") <= await ScoreAsync("u1-0", "new-2"))
        {
            Assert.True(DateTime.UtcNow < deadline, "new-2 scores no higher for the segment that clicked it");
            await Task.Delay(50);
        }

        // Shoppers of group 0 click new-0 whenever shown; group 1's click new-1.
        var storefront = factory.Storefront();
        for (var round = 0; round < 25; round++)
        {
            foreach (var (group, favourite) in new[] { (0, "new-0"), (1, "new-1") })
            {
                var user = $"u{group}-{round % 20}";
                var answer = await (await storefront.GetAsync($"/recommend?userId={user}&category=new&count=4")).ReadOkAsync<JsonElement>();
                Assert.Equal(segmentOf[user], answer.GetProperty("segment").GetProperty("key").GetString());
                var click = new JsonObject { ["recommendationId"] = answer.GetProperty("recommendationId").GetString(), ["itemId"] = favourite };
                (await storefront.PostAsync("/feedback/click", Json(click.ToJsonString()))).EnsureSuccessStatusCode();
            }
        }

        var policy = await (await admin.GetAsync("/admin/policy")).ReadOkAsync<JsonElement>();
        Assert.Equal("new-0", TopItem(policy, shoesKey));
        Assert.Equal("new-1", TopItem(policy, booksKey));
        Assert.Equal("new-0", await FirstRecommendedAsync("u0-3"));
        Assert.Equal("new-1", await FirstRecommendedAsync("u1-3"));

        // u0-7 starts buying only books: the next answer comes from the books segment, before any new run.
        var shifted = shop.AllUsers.Where(u => u.User == "u0-7").ToList();
        await shop.PostBehaviourAsync(categoryOf: _ => 1, users: shifted, volume: 6);
        var moved = await admin.UserSegmentAsync("u0-7");
        Assert.Equal((booksKey, "live"), (moved.Segment.Key, moved.Source));
        Assert.Equal("new-1", await FirstRecommendedAsync("u0-7"));

        // A new run on the same shop keeps the keys, and with them what each segment learnt.
        var secondRun = await admin.RunToEndAsync();
        Assert.True(secondRun.GetProperty("runId").GetInt64() > firstRun.GetProperty("runId").GetInt64());
        Assert.Equal(shoesKey, (await admin.UserSegmentAsync("u0-0")).Segment.Key);
        var after = await WaitForPolicyVersionAbove(admin, policy.GetProperty("policyVersion").GetInt64());
        Assert.Equal("new-0", TopItem(after, shoesKey));
        Assert.Equal("new-1", TopItem(after, booksKey));
    }

    private async Task<string?> FirstRecommendedAsync(string user)
    {
        var answer = await (await factory.Storefront().GetAsync($"/recommend?userId={user}&category=new&count=1")).ReadOkAsync<JsonElement>();
        return answer.GetProperty("items")[0].GetProperty("itemId").GetString();
    }

    private async Task<double> ScoreAsync(string user, string itemId)
    {
        var answer = await (await factory.Storefront().GetAsync($"/recommend?userId={user}&category=new&count=4")).ReadOkAsync<JsonElement>();
        return answer.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetString() == itemId).GetProperty("score").GetDouble();
    }

    private static JsonObject NewItemEvent(string eventId, string user, string type, DateTimeOffset at) => new()
    {
        ["eventId"] = eventId, ["userId"] = user, ["type"] = type, ["itemId"] = "new-2", ["occurredAt"] = at.AddMinutes(-30).ToString("O"),
    };

    private static string? TopItem(JsonElement policy, string segmentKey) =>
        policy.GetProperty("segments").EnumerateArray()
            .Single(s => s.GetProperty("key").GetString() == segmentKey)
            .GetProperty("topItems")[0].GetProperty("itemId").GetString();

    /// <summary>The run's listeners are told right after its commit; wait (bounded) for the carried-over table.</summary>
    private static async Task<JsonElement> WaitForPolicyVersionAbove(HttpClient admin, long version)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var policy = await (await admin.GetAsync("/admin/policy")).ReadOkAsync<JsonElement>();
            if (policy.GetProperty("policyVersion").GetInt64() > version)
            {
                return policy;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"policyVersion stayed at {version} after the run");
        return default;
    }
}

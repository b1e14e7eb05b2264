using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SegmentService.Api.Events;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Hosting;

/// <summary>The frontend key is public: whoever holds it must not be able to train the service or touch another user.</summary>
public sealed class FrontendKeyTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _frontend = factory.ClientWithKey(TestKeys.Frontend);
    private readonly HttpClient _storefront = factory.Storefront();

    private static StringContent Events(params object[] events) => Json(JsonSerializer.Serialize(new { events }));

    [Fact]
    public async Task FrontendKeyCannotPostPurchaseEvents()
    {
        var result = await (await _frontend.PostAsync("/events", Events(
            new { eventId = "fk-p1", userId = "fk-victim-1", type = "purchase", itemId = "fk-i", value = 10 },
            new { eventId = "fk-v1", userId = "fk-victim-1", type = "view", itemId = "fk-i" })))
            .ReadOkAsync<EventBatchResult>();

        Assert.Equal(1, result.Accepted);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(0, rejected.Index);
        Assert.True(rejected.Errors.ContainsKey("type"));
        Assert.Equal(0L, await factory.ScalarAsync<long>("SELECT count(*) FROM events WHERE user_id = 'fk-victim-1' AND type = 4"));
    }

    [Fact]
    public async Task FrontendKeyCannotPostPurchaseFeedbackButMayPostClicks()
    {
        await _storefront.PutAsync("/items/fk-item", Json("""{"category":"c","price":1}"""));
        var slate = JsonDocument.Parse(await (await _storefront.GetAsync("/recommend?userId=fk-shopper&count=1")).Content.ReadAsStringAsync()).RootElement;
        var body = new { recommendationId = slate.GetProperty("recommendationId").GetString(), itemId = slate.GetProperty("items")[0].GetProperty("itemId").GetString(), amount = 5 };

        await (await _frontend.PostAsync("/feedback/purchase", JsonContent.Create(body))).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await _frontend.PostAsync("/feedback/click", JsonContent.Create(body))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync("/feedback/purchase", JsonContent.Create(body))).StatusCode);
        Assert.Equal(1L, await factory.ScalarAsync<long>($"SELECT count(*) FROM feedback WHERE recommendation_id = '{body.recommendationId}' AND type = 3"));
    }

    [Fact]
    public async Task FrontendEventIdsLiveInTheirOwnNamespace()
    {
        // A browser posts first with the id the storefront will use: the storefront's event is still stored.
        var fromBrowser = await (await _frontend.PostAsync("/events", Events(new { eventId = "fk-shared", userId = "fk-u", type = "view", itemId = "fk-i" })))
            .ReadOkAsync<EventBatchResult>();
        var fromServer = await (await _storefront.PostAsync("/events", Events(new { eventId = "fk-shared", userId = "fk-u", type = "purchase", itemId = "fk-i", value = 3 })))
            .ReadOkAsync<EventBatchResult>();
        var browserAgain = await (await _frontend.PostAsync("/events", Events(new { eventId = "fk-shared", userId = "fk-u", type = "view", itemId = "fk-i" })))
            .ReadOkAsync<EventBatchResult>();
        var serverInBrowserSpace = await (await _storefront.PostAsync("/events", Events(new { eventId = EventNamespaces.FrontendPrefix + "fk-shared", userId = "fk-u", type = "view", itemId = "fk-i" })))
            .ReadOkAsync<EventBatchResult>();

        Assert.Equal((1, 0), (fromBrowser.Accepted, fromBrowser.Duplicates));
        Assert.Equal((1, 0), (fromServer.Accepted, fromServer.Duplicates));
        Assert.Equal((0, 1), (browserAgain.Accepted, browserAgain.Duplicates));
        Assert.True(Assert.Single(serverInBrowserSpace.Rejected).Errors.ContainsKey("eventId"));
        Assert.Equal(1L, await factory.ScalarAsync<long>("SELECT count(*) FROM events WHERE event_id = 'fk-shared' AND type = 4"));
        Assert.Equal(1L, await factory.ScalarAsync<long>($"SELECT count(*) FROM events WHERE event_id = '{EventNamespaces.FrontendPrefix}fk-shared' AND type = 1"));
    }

    [Fact]
    public async Task FrontendKeyCannotChangeAnotherUsersExclusionsProfileOrSegment()
    {
        for (var i = 0; i < 5; i++)
        {
            await _storefront.PutAsync($"/items/fk-x-{i}", Json("""{"category":"shoes","price":10}"""));
        }
        // The victim's own history, from the storefront.
        await _storefront.PostAsync("/events", Events(
            new { eventId = "fk-victim-e1", userId = "fk-victim", type = "view", itemId = "fk-x-0" },
            new { eventId = "fk-victim-e2", userId = "fk-victim", type = "purchase", itemId = "fk-x-0", value = 10 }));
        var profileBefore = await factory.ScalarAsync<string>("SELECT row_to_json(p)::text FROM user_profiles p WHERE user_id = 'fk-victim'");
        var segmentBefore = await (await factory.Admin().GetAsync("/users/fk-victim/segment")).Content.ReadAsStringAsync();
        Assert.NotNull(profileBefore);

        // An attacker with the public key floods the victim's id with events and tries fake purchases.
        for (var batch = 0; batch < 5; batch++)
        {
            var events = Enumerable.Range(0, 100).Select(n => (object)new
            {
                eventId = $"fk-attack-{batch}-{n}",
                userId = "fk-victim",
                type = n % 10 == 0 ? "purchase" : n % 2 == 0 ? "add_to_cart" : "click",
                itemId = $"fk-x-{1 + n % 4}",
            }).ToArray();
            var result = await (await _frontend.PostAsync("/events", Events(events))).ReadOkAsync<EventBatchResult>();
            Assert.Equal(90, result.Accepted);
        }

        Assert.Equal(profileBefore, await factory.ScalarAsync<string>("SELECT row_to_json(p)::text FROM user_profiles p WHERE user_id = 'fk-victim'"));
        Assert.Equal(segmentBefore, await (await factory.Admin().GetAsync("/users/fk-victim/segment")).Content.ReadAsStringAsync());
        Assert.Equal(0L, await factory.ScalarAsync<long>("SELECT count(*) FROM live_assignments WHERE user_id = 'fk-victim'"));
        var slate = JsonDocument.Parse(await (await _storefront.GetAsync("/recommend?userId=fk-victim&count=100&category=shoes")).Content.ReadAsStringAsync()).RootElement;
        var shown = slate.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()).ToHashSet();
        Assert.DoesNotContain("fk-x-0", shown); // the victim's real purchase is still excluded
        Assert.Superset(new HashSet<string?> { "fk-x-1", "fk-x-2", "fk-x-3", "fk-x-4" }, shown); // no forged purchase hides an item
        // An id only the attacker used has no profile: nothing to segment.
        await _frontend.PostAsync("/events", Events(new { eventId = "fk-ghost-1", userId = "fk-ghost", type = "click", itemId = "fk-x-1" }));
        Assert.Equal(0L, await factory.ScalarAsync<long>("SELECT count(*) FROM user_profiles WHERE user_id = 'fk-ghost'"));
    }
}

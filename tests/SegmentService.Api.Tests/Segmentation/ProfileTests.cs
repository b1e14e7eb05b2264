using System.Text.Json.Nodes;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Segmentation;

public sealed class OneDayHalfLifeFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Profiles:HalfLife", "1.00:00:00")];
}

public sealed class ProfileTests(OneDayHalfLifeFactory factory) : IClassFixture<OneDayHalfLifeFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    private async Task PostAsync(string id, string user, string type, string item, DateTimeOffset at, double? value = null)
    {
        var e = new JsonObject { ["eventId"] = id, ["userId"] = user, ["type"] = type, ["itemId"] = item, ["occurredAt"] = at.ToString("O") };
        if (value is { } v)
        {
            e["value"] = v;
        }
        var response = await _client.PostAsync("/events", Json(new JsonObject { ["events"] = new JsonArray(e) }.ToJsonString()));
        response.EnsureSuccessStatusCode();
    }

    private Task<double> ProfileAsync(string user, string expression) =>
        factory.ScalarAsync<double>($"SELECT ({expression})::float8 FROM user_profiles WHERE user_id = '{user}'");

    [Fact]
    public async Task ProfileCountsEachEventOnceWithCatalogueCategoriesAndDecaysOutOfOrderEventsCorrectly()
    {
        await _client.PutAsync("/items/p-shoe", Json("""{ "category": "shoes", "price": 10, "inStock": true }"""));
        var now = factory.Time.GetUtcNow();

        await PostAsync("p-1", "pu", "purchase", "p-shoe", now, 10);
        await PostAsync("p-1", "pu", "purchase", "p-shoe", now, 10); // a retry: a duplicate
        await PostAsync("p-2", "pu", "purchase", "not-in-catalogue", now.AddDays(-1), 20); // late, one half-life old

        Assert.Equal(2, await ProfileAsync("pu", "purchases"));
        Assert.Equal(30, await ProfileAsync("pu", "spend"));
        Assert.Equal(1.5, await ProfileAsync("pu", "d_purchases"), 6);
        Assert.Equal(10 + 20 * 0.5, await ProfileAsync("pu", "d_spend"), 6);
        Assert.Equal(1, await ProfileAsync("pu", "(categories->>'shoes')"), 6);
        Assert.Equal(0.5, await ProfileAsync("pu", "(categories->>'other')"), 6);
        Assert.Equal(0, await ProfileAsync("pu", "extract(epoch FROM ref_time - last_seen)"));
        Assert.Equal(86400, await ProfileAsync("pu", "extract(epoch FROM last_seen - first_seen)"));

        // A day later, a view: everything before counts half.
        factory.Time.Advance(TimeSpan.FromDays(1));
        await PostAsync("p-3", "pu", "view", "p-shoe", factory.Time.GetUtcNow());

        Assert.Equal(0.75, await ProfileAsync("pu", "d_purchases"), 6);
        Assert.Equal(1, await ProfileAsync("pu", "d_views"), 6);
        Assert.Equal(1.5, await ProfileAsync("pu", "(categories->>'shoes')"), 6);
        Assert.Equal(0.25, await ProfileAsync("pu", "(categories->>'other')"), 6);
        Assert.Equal(3, await ProfileAsync("pu", "views + purchases"));
    }

    [Fact]
    public async Task ConcurrentRetriesOfABatchCountEachEventOnceInTheProfile()
    {
        var now = factory.Time.GetUtcNow().ToString("O");
        var events = new JsonArray([.. Enumerable.Range(0, 50).Select(i => (JsonNode)new JsonObject
        {
            ["eventId"] = $"pr-{i}", ["userId"] = $"racer-{i % 5}", ["type"] = "click", ["itemId"] = "x", ["occurredAt"] = now,
        })]);
        var body = new JsonObject { ["events"] = events }.ToJsonString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _client.PostAsync("/events", Json(body))));

        Assert.All(responses, r => r.EnsureSuccessStatusCode());
        Assert.Equal(50, await factory.ScalarAsync<long>("SELECT sum(clicks) FROM user_profiles WHERE user_id LIKE 'racer-%'"));
        Assert.Equal(50, await factory.ScalarAsync<double>("SELECT sum(d_clicks) FROM user_profiles WHERE user_id LIKE 'racer-%'"), 6);
    }
}

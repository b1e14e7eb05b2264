using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Learning;

/// <summary>
/// Sets the planted shop up through HTTP only: the catalogue, 24 history events per shopper (mostly in the
/// group's category, never on a hot item), and a real segmentation run with the default settings.
/// Keeps each shopper's purchases, which the service leaves out of their slates.
/// </summary>
public sealed class ShopHistory(ApiFactory factory, ShopWorld world, int seed)
{
    public const int EventsPerShopper = 24;
    public const double OwnCategoryShare = 0.85;

    private readonly Random _random = new(seed);

    /// <summary>Items each shopper bought (history and purchase feedback): the service excludes them.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<int, bool>> Bought { get; } = new(StringComparer.Ordinal);

    public IReadOnlySet<int> BoughtBy(string shopper) =>
        Bought.TryGetValue(shopper, out var set) ? set.Keys.ToHashSet() : [];

    public void RecordPurchase(string shopper, int item) =>
        Bought.GetOrAdd(shopper, _ => new ConcurrentDictionary<int, bool>())[item] = true;

    public static decimal Price(int category) => 10 + 15 * category;

    public async Task PostCatalogueAsync()
    {
        using var client = factory.Storefront();
        foreach (var chunk in world.Items.Chunk(1000))
        {
            var items = new JsonArray([.. chunk.Select(id => (JsonNode)new JsonObject
            {
                ["itemId"] = id,
                ["category"] = ShopWorld.CategoryName(world.CategoryOf(world.IndexOf(id))),
                ["price"] = Price(world.CategoryOf(world.IndexOf(id))),
                ["inStock"] = true,
            })]);
            var response = await client.PostAsync("/items", Json(new JsonObject { ["items"] = items }.ToJsonString()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    public async Task PostHistoryAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var events = new List<JsonObject>();
        foreach (var shopper in ShopWorld.AllShoppers)
        {
            var group = ShopWorld.GroupOf(shopper);
            for (var e = 0; e < EventsPerShopper; e++)
            {
                var category = _random.NextDouble() < OwnCategoryShare
                    ? group
                    : (group + 1 + _random.Next(ShopWorld.Categories - 1)) % ShopWorld.Categories;
                var item = HistoryItem(category);
                var roll = _random.NextDouble();
                var type = roll < 0.6 ? "view" : roll < 0.88 ? "click" : "purchase";
                var evt = new JsonObject
                {
                    ["eventId"] = $"h-{shopper}-{e}",
                    ["userId"] = shopper,
                    ["type"] = type,
                    ["itemId"] = world.Items[item],
                    ["occurredAt"] = now.AddMinutes(-_random.Next(10, 72 * 60)).ToString("O"),
                };
                if (type == "purchase")
                {
                    evt["value"] = Price(category);
                    RecordPurchase(shopper, item);
                }
                events.Add(evt);
            }
        }
        using var client = factory.Storefront();
        foreach (var chunk in events.Chunk(1000))
        {
            var body = new JsonObject { ["events"] = new JsonArray([.. chunk.Select(e => (JsonNode)e)]) };
            var result = await (await client.PostAsync("/events", Json(body.ToJsonString()))).ReadOkAsync<JsonElement>();
            Assert.Equal(0, result.GetProperty("rejected").GetArrayLength());
        }
    }

    /// <summary>
    /// Runs segmentation (POST /admin/segmentation/runs, polled until it succeeds) and returns K and each shopper's
    /// segment from GET /users/{id}/segment.
    /// </summary>
    public async Task<(int K, Dictionary<string, string> SegmentOf)> SegmentAsync()
    {
        using var admin = factory.Admin();
        var started = await admin.PostAsync("/admin/segmentation/runs", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetInt64();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonElement run;
        while (true)
        {
            run = await (await admin.GetAsync($"/admin/segmentation/runs/{runId}")).ReadOkAsync<JsonElement>();
            if (run.GetProperty("status").GetString() != "running")
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Segmentation run {runId} still running after 90 s");
            await Task.Delay(50);
        }
        Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
        var k = run.GetProperty("k").GetInt32();

        // The run's listeners (the segment lookup of this replica) hear of it just after 'succeeded'.
        var segmentOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var first = ShopWorld.Shopper(0, 0);
        while ((await UserSegmentAsync(admin, first)).Source != "run")
        {
            Assert.True(DateTime.UtcNow < deadline, "The segment lookup did not take the run within 90 s");
            await Task.Delay(50);
        }
        foreach (var shopper in ShopWorld.AllShoppers)
        {
            segmentOf[shopper] = (await UserSegmentAsync(admin, shopper)).Key;
        }
        return (k, segmentOf);
    }

    private static async Task<(string Key, string Source)> UserSegmentAsync(HttpClient admin, string shopper)
    {
        var answer = await (await admin.GetAsync($"/users/{shopper}/segment")).ReadOkAsync<JsonElement>();
        return (answer.GetProperty("segment").GetProperty("key").GetString()!, answer.GetProperty("source").GetString()!);
    }

    private int HistoryItem(int category)
    {
        while (true)
        {
            var item = category * world.ItemsPerCategory + _random.Next(world.ItemsPerCategory);
            if (!world.HistoryHidden.Contains(item))
            {
                return item;
            }
        }
    }
}

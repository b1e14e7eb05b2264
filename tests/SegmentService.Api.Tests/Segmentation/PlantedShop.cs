using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SegmentService.Api.Segmentation;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Segmentation;

/// <summary>
/// A shop with planted behaviour groups: group g buys mostly in its own category at its own spend level.
/// Everything goes through the HTTP API; the random generator is seeded.
/// </summary>
public sealed class PlantedShop(ApiFactory factory, int groups = 4, int usersPerGroup = 25, int seed = 7)
{
    public static readonly string[] Categories = ["shoes", "books", "toys", "garden", "music", "games"];
    public static readonly double[] SpendLevels = [8, 40, 150, 600, 25, 90];

    private readonly Random _random = new(seed);
    private int _eventNumber;

    public int Groups => groups;

    public IEnumerable<string> Users(int group) => Enumerable.Range(0, usersPerGroup).Select(i => $"u{group}-{i}");

    public IEnumerable<(string User, int Group)> AllUsers =>
        Enumerable.Range(0, groups).SelectMany(g => Users(g).Select(u => (u, g)));

    public async Task PostCatalogueAsync()
    {
        var items = new JsonArray();
        for (var c = 0; c < Categories.Length; c++)
        {
            for (var i = 0; i < 5; i++)
            {
                items.Add(new JsonObject
                {
                    ["itemId"] = $"{Categories[c]}-{i}", ["category"] = Categories[c], ["price"] = SpendLevels[c], ["inStock"] = true,
                });
            }
        }
        var response = await factory.Storefront().PostAsync("/items", Json(new JsonObject { ["items"] = items }.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Each user of each group shops in category <paramref name="categoryOf"/>(group) with a little noise elsewhere.</summary>
    public async Task PostBehaviourAsync(Func<int, int>? categoryOf = null, IEnumerable<(string User, int Group)>? users = null, double volume = 1)
    {
        var events = new List<JsonObject>();
        foreach (var (user, group) in users ?? AllUsers)
        {
            events.AddRange(Shopping(user, (categoryOf ?? (g => g))(group), volume));
        }
        await PostAsync(events);
    }

    public IEnumerable<JsonObject> Shopping(string user, int category, double volume = 1)
    {
        var now = factory.Time.GetUtcNow();
        JsonObject Event(string type, int c, double? value = null)
        {
            var e = new JsonObject
            {
                ["eventId"] = $"ev-{Interlocked.Increment(ref _eventNumber)}-{user}",
                ["userId"] = user,
                ["type"] = type,
                ["itemId"] = $"{Categories[c]}-{_random.Next(5)}",
                ["occurredAt"] = now.AddMinutes(-_random.Next(1, 6 * 60)).ToString("O"),
            };
            if (value is { } v)
            {
                e["value"] = Math.Round(v, 2);
            }
            return e;
        }
        var views = (int)(volume * _random.Next(6, 11));
        var clicks = (int)(volume * _random.Next(2, 5));
        var carts = (int)(volume * _random.Next(1, 4));
        var purchases = (int)Math.Max(1, volume * _random.Next(3, 6));
        for (var i = 0; i < views; i++)
        {
            yield return Event("view", category);
        }
        for (var i = 0; i < clicks; i++)
        {
            yield return Event("click", category);
        }
        for (var i = 0; i < carts; i++)
        {
            yield return Event("add_to_cart", category);
        }
        for (var i = 0; i < purchases; i++)
        {
            yield return Event("purchase", category, SpendLevels[category] * (0.8 + 0.4 * _random.NextDouble()));
        }
        yield return Event("view", (category + 1 + _random.Next(Categories.Length - 1)) % Categories.Length);
    }

    public async Task PostAsync(IReadOnlyList<JsonObject> events)
    {
        var client = factory.Storefront();
        foreach (var chunk in events.Chunk(1000))
        {
            var body = new JsonObject { ["events"] = new JsonArray([.. chunk.Select(e => (JsonNode)e.DeepClone())]) };
            var result = await (await client.PostAsync("/events", Json(body.ToJsonString()))).ReadOkAsync<JsonElement>();
            Assert.Equal(0, result.GetProperty("rejected").GetArrayLength());
        }
    }
}

public static class SegmentationClient
{
    public static async Task<long> StartRunAsync(this HttpClient admin)
    {
        var response = await admin.PostAsync("/admin/segmentation/runs", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RunStartedResponse>(JsonSerializerOptions.Web))!.RunId;
    }

    /// <summary>Waits (bounded) until the run has left 'running', and returns it.</summary>
    public static async Task<JsonElement> WaitForRunAsync(this HttpClient admin, long runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = await (await admin.GetAsync($"/admin/segmentation/runs/{runId}")).ReadOkAsync<JsonElement>();
            if (run.GetProperty("status").GetString() != "running")
            {
                return run;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Run {runId} still running after 60 s");
            await Task.Delay(20);
        }
    }

    public static async Task<JsonElement> RunToEndAsync(this HttpClient admin)
    {
        var run = await admin.WaitForRunAsync(await admin.StartRunAsync());
        Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
        return run;
    }

    public static async Task<UserSegmentResponse> UserSegmentAsync(this HttpClient admin, string userId) =>
        await (await admin.GetAsync($"/users/{Uri.EscapeDataString(userId)}/segment")).ReadOkAsync<UserSegmentResponse>();

    public static async Task<Dictionary<string, string>> SegmentsOfAsync(this HttpClient admin, IEnumerable<string> users)
    {
        var result = new Dictionary<string, string>();
        foreach (var user in users)
        {
            result[user] = (await admin.UserSegmentAsync(user)).Segment.Key;
        }
        return result;
    }

    /// <summary>Adjusted Rand index of two labelings of the same items.</summary>
    public static double AdjustedRandIndex(IReadOnlyList<string> truth, IReadOnlyList<string> found)
    {
        static double Pairs(long n) => n * (n - 1) / 2.0;
        var table = new Dictionary<(string, string), long>();
        var rows = new Dictionary<string, long>();
        var cols = new Dictionary<string, long>();
        for (var i = 0; i < truth.Count; i++)
        {
            table[(truth[i], found[i])] = table.GetValueOrDefault((truth[i], found[i])) + 1;
            rows[truth[i]] = rows.GetValueOrDefault(truth[i]) + 1;
            cols[found[i]] = cols.GetValueOrDefault(found[i]) + 1;
        }
        var index = table.Values.Sum(Pairs);
        var rowSum = rows.Values.Sum(Pairs);
        var colSum = cols.Values.Sum(Pairs);
        var expected = rowSum * colSum / Pairs(truth.Count);
        var max = (rowSum + colSum) / 2;
        return max == expected ? 1 : (index - expected) / (max - expected);
    }
}

/// <summary>A service configured for small planted data: K = 4, few users needed, no schedule surprises.</summary>
public class SegmentationFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Segmentation:K", "4"),
        new("Segmentation:MinUsers", "20"),
        new("Segmentation:TopCategories", "6"),
    ];
}

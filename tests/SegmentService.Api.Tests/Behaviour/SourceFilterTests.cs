using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;
using Xunit.Abstractions;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Behaviour;

/// <summary>Explores half the slots at random, so every request shows explore picks beside the user's own sources.</summary>
public sealed class SourceFilterFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Policy:Epsilon", "0.5"), new("Policy:Seed", "3")];
}

/// <summary>
/// The filters of /recommend (stock, <c>exclude</c>, purchased items, <c>category</c>) hold for the items every source
/// proposes: CF neighbours (<c>similar</c>), content matches and exploration. Each test first shows, unfiltered, that the
/// items it then filters out are proposed, so it cannot pass vacuously.
/// </summary>
public sealed class SourceFilterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Requests = 40;
    private static readonly string[] Basket = ["tent", "pegs", "stove", "lamp", "mat", "rope"];
    private static readonly string[] Kitchen = ["mug", "kettle", "pan", "bowl"];
    private readonly SourceFilterFactory _factory = new();
    private BehaviourShop _shop = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _factory.InitializeAsync();
        _shop = new BehaviourShop(_factory);
        _client = _factory.Storefront();
        await _shop.ItemsAsync([
            .. Basket.Select(id => (id, "camping", 30m, (string?)$"Camping {id}")),
            .. Enumerable.Range(0, 8).Select(i => ($"camp-{i}", "camping", 30m, (string?)"Camping gear")),
            .. Kitchen.Select(id => (id, "kitchen", 10m, (string?)$"Kitchen {id}")),
            .. Enumerable.Range(0, 20).Select(i => ($"misc-{i:00}", "misc", 50m, (string?)"Other")),
        ]);
        // The co-purchases are old (they still tie the items for CF) and the filler items are bought lately, so the segment's
        // own scores rank the fillers first and the basket and kitchen items reach a slate only through the user's sources.
        var old = ApiFactory.Start.AddDays(-60);
        await _shop.BasketsAsync("campers", 6, old, Basket);
        await _shop.BasketsAsync("cooks", 6, old, Kitchen);
        await _shop.BasketsAsync("browsers", 10, ApiFactory.Start.AddHours(-3),
            [.. Enumerable.Range(0, 20).Select(i => $"misc-{i:00}"), .. Enumerable.Range(0, 8).Select(i => $"camp-{i}")]);
        await _shop.EventsAsync("purchase", ApiFactory.Start.AddDays(-1), ("camper", "tent"));
        await _shop.EventsAsync("view", ApiFactory.Start.AddDays(-1).AddHours(1), ("camper", "mug"), ("camper", "kettle"));
    }

    public Task DisposeAsync() => _factory.DisposeAsync();

    [Fact]
    public async Task OutOfStockExcludedAndBoughtItemsAreNeverServedWhicheverSourceProposesThem()
    {
        // Per source, items it proposes: one goes out of stock, one is excluded; the CF one is also bought (buying a filler
        // would tie the user's trail to the fillers' buyers and change what the sources propose).
        // Exploration's targets are the first two fillers it showed (which ones depends on the scores' ties).
        var unfiltered = await ServeAsync("userId=camper&count=6");
        var explored = unfiltered.Where(i => i.Source == "explore" && i.ItemId.StartsWith("misc-", StringComparison.Ordinal))
            .Select(i => i.ItemId).Distinct().Take(2).ToArray();
        Assert.Equal(2, explored.Length);
        (string Source, string Gone, string Excluded, string? Bought)[] targets =
        [
            ("similar", "pegs", "stove", "lamp"),
            ("content", "camp-5", "camp-7", null),
            ("explore", explored[0], explored[1], null),
        ];
        foreach (var t in targets)
        {
            Assert.Contains(unfiltered, i => i.Source == t.Source && i.ItemId == t.Gone);
            Assert.Contains(unfiltered, i => i.Source == t.Source && i.ItemId == t.Excluded);
            Assert.True(t.Bought is null || unfiltered.Contains((t.Bought, t.Source)), $"{t.Bought} was proposed by {t.Source}");
        }
        Assert.DoesNotContain(unfiltered, i => i.ItemId == "tent");

        foreach (var t in targets)
        {
            var category = t.Gone.StartsWith("misc", StringComparison.Ordinal) ? "misc" : "camping";
            (await _client.PutAsync($"/items/{t.Gone}", Json($$"""{"category":"{{category}}","price":30,"inStock":false}"""))).EnsureSuccessStatusCode();
        }
        await _shop.EventsAsync("purchase", ApiFactory.Start.AddHours(-1), ("camper", "lamp"));
        var filtered = await ServeAsync($"userId=camper&count=6&exclude={string.Join(',', targets.Select(t => t.Excluded))}");

        var removed = targets.SelectMany(t => new[] { t.Gone, t.Excluded }).Concat(["lamp", "tent"]).ToHashSet();
        Assert.DoesNotContain(filtered, i => removed.Contains(i.ItemId));
        Assert.Contains(filtered, i => i.Source == "similar");
        Assert.Contains(filtered, i => i.Source == "content");
        Assert.Contains(filtered, i => i.Source == "explore");
    }

    [Fact]
    public async Task CategoryHoldsForEverySource()
    {
        var unfiltered = await ServeAsync("userId=camper&count=6");
        Assert.Contains(unfiltered, i => i.Source == "similar" && Kitchen.Contains(i.ItemId));
        Assert.Contains(unfiltered, i => i.Source == "explore" && i.ItemId.StartsWith("misc-", StringComparison.Ordinal));

        var camping = await ServeAsync("userId=camper&count=6&category=camping");
        // Every camping item is among the camper's proposals (the category is theirs), so a random pick there is labelled
        // with the source that proposed it; a user without history shows exploration on its own.
        var explored = await ServeAsync("userId=stranger&count=4&category=camping");
        var kitchen = await ServeAsync("userId=camper&count=2&category=kitchen");

        bool IsCamping(string itemId) => Basket.Contains(itemId) || itemId.StartsWith("camp-", StringComparison.Ordinal);
        Assert.All(camping, i => Assert.True(IsCamping(i.ItemId), i.ToString()));
        Assert.Contains(camping, i => i.Source == "similar");
        Assert.Contains(camping, i => i.Source == "content");
        Assert.All(explored, i => Assert.True(IsCamping(i.ItemId), i.ToString()));
        Assert.Contains(explored, i => i.Source == "explore");
        Assert.All(kitchen, i => Assert.Contains(i.ItemId, Kitchen));
        Assert.Contains(kitchen, i => i.Source == "similar");
    }

    /// <summary>The (item, source) pairs of <see cref="Requests"/> answers to the same query.</summary>
    private async Task<List<(string ItemId, string Source)>> ServeAsync(string query)
    {
        var seen = new List<(string, string)>();
        for (var r = 0; r < Requests; r++)
        {
            var answer = await (await _client.GetAsync($"/recommend?{query}")).ReadOkAsync<JsonElement>();
            seen.AddRange(answer.GetProperty("items").EnumerateArray()
                .Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("source").GetString()!)));
        }
        output.WriteLine($"{query}: " + string.Join(", ", seen.GroupBy(x => x).OrderByDescending(g => g.Count()).Select(g => $"{g.Key.Item1}/{g.Key.Item2} ×{g.Count()}")));
        return seen;
    }
}

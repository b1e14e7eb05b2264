using SegmentService.Api.Behaviour;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Behaviour;

public sealed class ItemToItemTests : IAsyncLifetime
{
    private readonly ApiFactory _factory = new();
    private BehaviourShop _shop = null!;
    private static readonly DateTimeOffset Day0 = ApiFactory.Start.AddDays(-400);

    public async Task InitializeAsync()
    {
        await _factory.InitializeAsync();
        _shop = new BehaviourShop(_factory);
        await _shop.ItemsAsync(
            ("tent", "camping", 200, "Dome tent"), ("pegs", "camping", 5, "Tent pegs"), ("stove", "camping", 60, "Gas stove"),
            ("mug", "kitchen", 8, "Enamel mug"), ("kettle", "kitchen", 30, "Steel kettle"), ("lamp", "camping", 25, "Head lamp"));
    }

    public Task DisposeAsync() => _factory.DisposeAsync();

    [Fact]
    public async Task PlantedCoPurchasePatternMakesItemsEachOthersBestNeighbour()
    {
        await _shop.BasketsAsync("campers", 12, Day0, "tent", "pegs");
        await _shop.BasketsAsync("cooks", 12, Day0, "mug", "kettle");
        await _shop.BasketsAsync("mixed", 2, Day0, "tent", "mug");

        Assert.Equal("pegs", _shop.NeighboursOf("tent")[0]);
        Assert.Equal("kettle", _shop.NeighboursOf("mug")[0]);

        await _shop.EventsAsync("purchase", Day0.AddDays(1), ("newcomer", "tent"));
        var similar = _shop.Sources.ForUser("newcomer", 5).Where(c => c.Source == CandidateSource.Similar).ToList();
        Assert.Equal("pegs", similar[0].ItemId);
        Assert.Equal(1.0, similar[0].Affinity, 6);
        Assert.DoesNotContain(similar, c => c.ItemId == "tent");
    }

    [Fact]
    public async Task RecentCoPurchasesOutrankOlderOnesOfTheSameCount()
    {
        // Same number of buyers with "tent" for both, but the stove pairs are a year newer (default half-life 60 days).
        await _shop.BasketsAsync("old", 10, Day0, "tent", "lamp");
        await _shop.BasketsAsync("new", 10, Day0.AddDays(365), "tent", "stove");

        var neighbours = _shop.NeighboursOf("tent");
        Assert.Equal(["stove", "lamp"], neighbours[..2]);
        Assert.True(Score("tent", "stove") > 1.5 * Score("tent", "lamp"));
    }

    [Fact]
    public async Task PurchaseTiesItemsMoreThanViews()
    {
        await _shop.EventsAsync("view", Day0, [.. Enumerable.Range(0, 10).SelectMany(u => new[] { ($"v-{u}", "mug"), ($"v-{u}", "lamp") })]);
        await _shop.EventsAsync("purchase", Day0, [.. Enumerable.Range(0, 10).SelectMany(u => new[] { ($"v-{u}", "kettle") })]);

        // Each viewer viewed mug and lamp and bought kettle: mug–kettle (view × purchase) beats mug–lamp (view × view).
        Assert.Equal("kettle", _shop.NeighboursOf("mug")[0]);
    }

    [Fact]
    public async Task ACommitUpdatesNeighboursBeforeTheRequestIsAnswered()
    {
        await _shop.BasketsAsync("a", 5, Day0, "tent", "pegs");
        Assert.DoesNotContain("stove", _shop.NeighboursOf("tent"));

        await _shop.BasketsAsync("b", 8, Day0.AddDays(1), "tent", "stove");

        Assert.Equal("stove", _shop.NeighboursOf("tent")[0]);
        await _shop.EventsAsync("purchase", Day0.AddDays(2), ("shopper", "tent"));
        Assert.Equal(["stove", "pegs"], _shop.Sources.ForUser("shopper", 2).Where(c => c.Source == CandidateSource.Similar).Select(c => c.ItemId));
    }

    [Fact]
    public void UnknownUserGetsNoCandidates() => Assert.Empty(_shop.Sources.ForUser("nobody", 10));

    private double Score(string item, string other)
    {
        _shop.Model.Items.TryGet(item, out var a);
        _shop.Model.Items.TryGet(other, out var b);
        return _shop.Model.Graph.NeighboursOf(a).Single(n => n.Item == b).Score;
    }
}

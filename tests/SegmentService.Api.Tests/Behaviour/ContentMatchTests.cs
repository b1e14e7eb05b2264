using SegmentService.Api.Behaviour;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Behaviour;

public sealed class ContentMatchTests : IAsyncLifetime
{
    private readonly ApiFactory _factory = new();
    private BehaviourShop _shop = null!;
    private static readonly DateTimeOffset Day0 = ApiFactory.Start.AddDays(-30);

    public async Task InitializeAsync()
    {
        await _factory.InitializeAsync();
        _shop = new BehaviourShop(_factory);
        await _shop.ItemsAsync(
            ("mug-red", "mugs", 8, "Red enamel mug"), ("mug-blue", "mugs", 9, "Blue enamel mug"),
            ("tent", "camping", 200, "Dome tent"), ("stove", "camping", 60, "Gas stove"));
    }

    public Task DisposeAsync() => _factory.DisposeAsync();

    [Fact]
    public async Task NewItemWithNoEventsIsProposedToUsersOfItsCategory()
    {
        await _shop.EventsAsync("purchase", Day0, ("mug-fan", "mug-red"), ("mug-fan", "mug-blue"));
        await _shop.ItemsAsync(("mug-green", "mugs", 8.5m, "Green enamel mug"), ("tent-xl", "camping", 220, "Tunnel tent"));

        var content = _shop.Sources.ForUser("mug-fan", 10).Where(c => c.Source == CandidateSource.Content).ToList();

        Assert.Equal("mug-green", content[0].ItemId);
        Assert.Equal(1.0, content[0].Affinity, 6);
        Assert.DoesNotContain(content, c => c.ItemId is "tent-xl" or "mug-red" or "mug-blue");
    }

    [Fact]
    public async Task SpendLevelAndTitleWordsRankItemsWithinACategory()
    {
        await _shop.EventsAsync("purchase", Day0, ("camper", "tent"), ("camper", "stove"));
        await _shop.ItemsAsync(("tent-cheap", "camping", 3, "Plastic poncho"), ("tent-dome", "camping", 150, "Dome tent family"));

        var content = _shop.Sources.ForUser("camper", 10).Where(c => c.Source == CandidateSource.Content).Select(c => c.ItemId).ToList();

        Assert.Equal(["tent-dome", "tent-cheap"], content);
    }

    [Fact]
    public async Task OutOfStockItemIsNotProposed()
    {
        await _shop.EventsAsync("view", Day0, ("browser", "mug-red"));
        await _shop.ItemsAsync(("mug-gone", "mugs", 8, "Enamel mug"));
        var client = _factory.Storefront();
        (await client.PutAsync("/items/mug-gone", HttpAssertions.Json("""{"category":"mugs","price":8,"inStock":false}"""))).EnsureSuccessStatusCode();

        var content = _shop.Sources.ForUser("browser", 10).Where(c => c.Source == CandidateSource.Content).Select(c => c.ItemId);

        Assert.Contains("mug-blue", content);
        Assert.DoesNotContain("mug-gone", content);
    }
}

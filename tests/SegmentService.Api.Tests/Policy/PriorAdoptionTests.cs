using System.Text.Json.Nodes;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

/// <summary>Default bounds; purchases are posted as events with the storefront key.</summary>
public sealed class PriorAdoptionFactory : PurchaseBoundFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [];
}

/// <summary>
/// While bought items are not recommended again, an item's prior counts how many of the segment's users bought it, not
/// how often: one user's repeat orders of an item add nothing, live and after the priors are rebuilt from the events.
/// </summary>
public sealed class PriorAdoptionTests(PriorAdoptionFactory factory) : IClassFixture<PriorAdoptionFactory>
{
    private const string Segment = "adopters";

    [Fact]
    public async Task ItemsTwoUsersBoughtOutrankAnItemOneUserBoughtThreeTimesLiveAndAfterARebuild()
    {
        foreach (var user in new[] { "reorderer", "buyer-a", "buyer-b" })
        {
            factory.Segments.Keys[user] = Segment;
        }
        // Separate posts, as separate orders arrive; the reorders come after the first purchase.
        await factory.BuyAsync(("reorderer", "shoe-00", 300));
        await factory.BuyAsync(("reorderer", "shoe-00", 200));
        await factory.BuyAsync(("reorderer", "shoe-00", 100));
        await factory.BuyAsync(("buyer-a", "shoe-01", 300), ("buyer-b", "shoe-01", 300));
        var priors = factory.Get<ItemPriors>();
        // Ē as the sweeper's tick leaves it, as a rebuild computes it.
        priors.Calibrate();

        Assert.True(priors.Prior(Segment, "shoe-01") > priors.Prior(Segment, "shoe-00"),
            $"live: shoe-01 {priors.Prior(Segment, "shoe-01"):0.0000} (two buyers) vs shoe-00 {priors.Prior(Segment, "shoe-00"):0.0000} (one buyer, three orders)");
        var live = (priors.Prior(Segment, "shoe-00"), priors.Prior(Segment, "shoe-01"));

        await factory.Get<ItemPriorsFeed>().LoadAsync(CancellationToken.None);

        var rebuilt = (priors.Prior(Segment, "shoe-00"), priors.Prior(Segment, "shoe-01"));
        Assert.Equal(live.Item1, rebuilt.Item1, 9);
        Assert.Equal(live.Item2, rebuilt.Item2, 9);
    }

    [Fact]
    public async Task AnOrderListingAnItemTwiceCountsItOnce()
    {
        foreach (var user in new[] { "two-lines", "one-line" })
        {
            factory.Segments.Keys[user] = Segment + "-lines";
        }
        var at = factory.Time.GetUtcNow().AddMinutes(-50).ToString("O");
        var events = new JsonArray();
        foreach (var (id, user, item) in new[] { ("order-1-line-1", "two-lines", "shoe-10"), ("order-1-line-2", "two-lines", "shoe-10"), ("order-2-line-1", "one-line", "shoe-11") })
        {
            events.Add(new JsonObject { ["eventId"] = id, ["userId"] = user, ["type"] = "purchase", ["itemId"] = item, ["occurredAt"] = at });
        }
        using var client = factory.Storefront();
        (await client.PostAsync("/events", HttpAssertions.Json(new JsonObject { ["events"] = events }.ToJsonString()))).EnsureSuccessStatusCode();
        var priors = factory.Get<ItemPriors>();

        Assert.Equal(priors.Prior(Segment + "-lines", "shoe-11"), priors.Prior(Segment + "-lines", "shoe-10"), 9);
    }
}

using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

/// <summary>A catalogue above Recommend:FullScanLimit: requests score the segment's shortlist and explore the whole pool.</summary>
public abstract class ShortlistFactory(double epsilon) : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings =>
    [
        new("Recommend:FullScanLimit", "10"),
        new("Recommend:ShortlistSize", "10"),
        new("Recommend:ShortlistByMean", "0"),
        new("Policy:Exploration", "EpsilonGreedy"),
        new("Policy:Epsilon", epsilon.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync([
            .. Enumerable.Range(0, 40).Select(i => ($"shoe-{i:00}", "shoes", true)),
            .. Enumerable.Range(0, 20).Select(i => ($"bag-{i:00}", "bags", true)),
            ("gone-1", "shoes", false),
            ("gone-2", "bags", false),
        ]);
    }
}

public sealed class GreedyShortlistFactory() : ShortlistFactory(0);

public sealed class UniformShortlistFactory() : ShortlistFactory(1);

public sealed class HalfExploringShortlistFactory() : ShortlistFactory(0.5);

public sealed class GreedyShortlistTests(GreedyShortlistFactory factory) : IClassFixture<GreedyShortlistFactory>
{
    [Fact]
    public async Task WithoutExplorationASegmentIsServedFromItsShortlistOnly()
    {
        using var client = factory.Storefront();
        var shown = new HashSet<string>(StringComparer.Ordinal);
        // Fewer requests than Recommend:ShortlistRefreshRequests (64): one list serves them all.
        for (var i = 0; i < 40; i++)
        {
            var answer = await PolicyFactory.RecommendAsync(client, $"userId=g-{i}&count=5");
            Assert.Equal(5, answer.Items.Count);
            shown.UnionWith(answer.Items.Select(x => x.ItemId));
        }
        Assert.InRange(shown.Count, 5, 10);
    }
}

public sealed class UniformShortlistTests(UniformShortlistFactory factory) : IClassFixture<UniformShortlistFactory>
{
    [Fact]
    public async Task PureExplorationDrawsFromTheWholePoolWithExactPropensities()
    {
        using var client = factory.Storefront();
        var shown = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 120; i++)
        {
            var answer = await PolicyFactory.RecommendAsync(client, $"userId=u-{i}&count=5&exclude=bag-00,shoe-39");
            for (var slot = 0; slot < answer.Items.Count; slot++)
            {
                // 60 in stock, 2 excluded: the slot-th pick is uniform over the 58 − slot not yet shown.
                Assert.Equal(1.0 / (58 - slot), answer.Items[slot].Propensity, 12);
            }
            shown.UnionWith(answer.Items.Select(x => x.ItemId));
        }
        Assert.Equal(58, shown.Count);
        Assert.DoesNotContain("bag-00", shown);
        Assert.DoesNotContain("shoe-39", shown);
    }
}

public sealed class HalfExploringShortlistTests(HalfExploringShortlistFactory factory) : IClassFixture<HalfExploringShortlistFactory>
{
    [Fact]
    public async Task FiltersHoldForShortlistedAndExploredItems()
    {
        using var storefront = factory.Storefront();
        (await storefront.PostAsync("/events", HttpAssertions.Json("""
            {"events":[{"eventId":"sl-buy-1","userId":"sl-buyer","type":"purchase","itemId":"shoe-07"}]}
            """))).EnsureSuccessStatusCode();

        var shown = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 40; i++)
        {
            var answer = await PolicyFactory.RecommendAsync(storefront, "userId=sl-buyer&count=20&category=shoes&exclude=shoe-00,shoe-01");
            Assert.Equal(20, answer.Items.Count);
            Assert.Equal(20, answer.Items.Select(x => x.ItemId).Distinct().Count());
            Assert.All(answer.Items, x => Assert.InRange(x.Propensity, 0.5 / 37 - 1e-12, 1));
            shown.UnionWith(answer.Items.Select(x => x.ItemId));
        }
        Assert.All(shown, id => Assert.StartsWith("shoe-", id, StringComparison.Ordinal));
        Assert.DoesNotContain("gone-1", shown);
        Assert.DoesNotContain("shoe-00", shown);
        Assert.DoesNotContain("shoe-01", shown);
        Assert.DoesNotContain("shoe-07", shown);
        // Exploration reaches the category's items beyond its shortlist of 10.
        Assert.Equal(37, shown.Count);
    }
}

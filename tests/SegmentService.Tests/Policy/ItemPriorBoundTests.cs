using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class ItemPriorBoundTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private sealed class FixedCatalog(params string[] inStock) : ICandidateCatalog
    {
        public string[] Candidates(string? category) => inStock;

        public string? CategoryOf(string itemId) => inStock.Contains(itemId) ? "shelf" : null;
    }

    private static ItemPriors Priors(int maxItems = 100_000, ICandidateCatalog? catalog = null) =>
        new(new QTable(), Options.Create(new PolicyOptions { MaxPriorItemsPerSegment = maxItems }), new FakeTimeProvider(Now), catalog);

    [Fact]
    public void PastMaxPriorItemsARowDropsItsWeakestItemsAndKeepsTheStrongest()
    {
        var priors = Priors(maxItems: 16);
        for (var k = 0; k < 3; k++)
        {
            priors.Add("s", 5, "strong", Now.AddMinutes(-10));
        }
        for (var i = 0; i < 40; i++)
        {
            priors.Add("s", 1, $"weak-{i:00}", Now.AddMinutes(-5));
        }
        priors.Calibrate();

        // Two rows (the segment's and the shop's), each within the bound; what was dropped is counted.
        Assert.InRange(priors.CellCount, 2 * 14, 2 * 16);
        Assert.Equal(2 * 41 - priors.CellCount, priors.ShedCount);
        var strong = priors.Prior("s", "strong");
        var keptWeak = priors.Prior("s", "weak-39");
        var droppedWeak = priors.Prior("s", "weak-00");
        Assert.True(strong > keptWeak, $"strong {strong} > kept weak {keptWeak}");
        Assert.True(keptWeak > droppedWeak, $"kept weak {keptWeak} > dropped weak {droppedWeak}");
        Assert.Equal(priors.Prior("s", "never-engaged"), droppedWeak, 12);
    }

    [Fact]
    public async Task ARebuildKeepsOnlyItemsInTheCatalogue()
    {
        var priors = Priors(catalog: new FixedCatalog("a", "b"));

        await priors.RebuildAsync(Events(("s", 1, "a"), ("s", 2, "b"), ("s", 5, "ghost"), ("t", 5, "ghost")));

        // s: a, b; the shop's row: a, b; no row for t (its only item is gone).
        Assert.Equal(4, priors.CellCount);
        Assert.Equal(priors.Prior("s", "never-engaged"), priors.Prior("s", "ghost"), 12);
        Assert.True(priors.Prior("s", "b") > priors.Prior("s", "ghost"));
    }

    private static async IAsyncEnumerable<(string, double, string, DateTimeOffset)> Events(params (string Segment, double Weight, string Item)[] events)
    {
        foreach (var (segment, weight, item) in events)
        {
            await Task.Yield();
            yield return (segment, weight, item, Now.AddHours(-1));
        }
    }
}

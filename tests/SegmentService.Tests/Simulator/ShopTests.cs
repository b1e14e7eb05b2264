using SegmentService.Simulator;

namespace SegmentService.Tests.Simulator;

public sealed class ShopTests
{
    [Fact]
    public void OracleSlateBeatsARandomSlateForEveryShopper()
    {
        var shop = new Shop(itemsPerCategory: 10, shoppers: 40, seed: 3);
        foreach (var shopper in shop.Shoppers)
        {
            var baseline = Baseline.For(shop, shopper, slate: 5, clickReward: 1, purchaseReward: 5);
            Assert.True(baseline.OracleCtr > baseline.RandomCtr * 2, $"{shopper.Id}: oracle {baseline.OracleCtr} vs random {baseline.RandomCtr}");
            Assert.True(baseline.OracleReward > baseline.RandomReward);
            Assert.InRange(baseline.RandomCtr, 0.02, 0.95);
        }
    }

    [Fact]
    public void ShoppersClickTheirGroupsFavouriteCategoryMostUntilItDrifts()
    {
        var shop = new Shop(itemsPerCategory: 10, shoppers: 40, seed: 3);
        var group0 = shop.Shoppers.Where(s => s.Group == 0).ToList();
        double MeanCtr(int category) => group0.Average(s => shop.InStock.Where(i => i.Category == category).Average(i => shop.ClickProbability(s, i)));
        var before = Enumerable.Range(0, Shop.Categories.Length).MaxBy(MeanCtr);
        Assert.Equal(0, before);

        var what = shop.Drift(new Random(1));

        var after = Enumerable.Range(0, Shop.Categories.Length).MaxBy(MeanCtr);
        Assert.NotEqual(before, after);
        Assert.Contains($"group 0 moved from {Shop.Categories[before]} to {Shop.Categories[after]}", what, StringComparison.Ordinal);
    }

    [Fact]
    public void SameSeedGivesTheSameShop()
    {
        var a = new Shop(5, 20, seed: 9);
        var b = new Shop(5, 20, seed: 9);
        Assert.Equal(a.Items, b.Items);
        Assert.Equal(a.Shoppers.Select(s => s.Spend), b.Shoppers.Select(s => s.Spend));
    }

    [Theory]
    [InlineData("--duration", "0")]
    [InlineData("--slate", "abc")]
    [InlineData("--url", "not a url")]
    [InlineData("--nope", "1")]
    public void BadOptionIsRefusedWithItsName(string name, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => SimulatorOptions.Parse([name, value]));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DemoIsShortAndOptionsTakeValuesAfterAnEqualsSign()
    {
        var options = SimulatorOptions.Parse(["--demo", "--url=http://api:8080", "--drift-at", "10,20"]);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Duration);
        Assert.Equal(new Uri("http://api:8080"), options.Url);
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)], options.DriftAt);
    }
}

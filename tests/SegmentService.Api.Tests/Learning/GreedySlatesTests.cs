using System.Text.Json;

namespace SegmentService.Api.Tests.Learning;

/// <summary>The harness's own yardstick: a greedy slate of the hot items is worth the oracle, and bought items are skipped.</summary>
public sealed class GreedySlatesTests
{
    private static readonly Dictionary<string, string> SegmentOfGroup =
        ShopWorld.AllShoppers.ToDictionary(s => s, s => $"seg-{ShopWorld.GroupOf(s)}", StringComparer.Ordinal);

    private static JsonElement Policy(ShopWorld world, Func<int, IEnumerable<(int Item, double Q)>> top, int learnt = 0) =>
        JsonSerializer.SerializeToElement(new
        {
            segments = Enumerable.Range(0, ShopWorld.Groups).Select(g => new
            {
                key = $"seg-{g}",
                items = Math.Max(learnt, top(g).Count()),
                topItems = top(g).Select(t => new { itemId = world.Items[t.Item], q = t.Q, visits = 10 }),
            }),
        });

    [Fact]
    public void APolicyWhoseGreedySlateIsTheHotItemsIsWorthTheOracleAndOneOfOtherItemsIsNot()
    {
        var world = new ShopWorld(20, 3);
        var hot = new GreedySlates(world).Value(1, Policy(world, g => world.HotItems(g).Select(i => (i, 0.3))), SegmentOfGroup, _ => new HashSet<int>());
        Assert.All(Enumerable.Range(0, ShopWorld.Groups), g => Assert.Equal(ShopWorld.HotCtr, hot.Greedy[g], 9));
        Assert.All(hot.Oracle, o => Assert.Equal(ShopWorld.HotCtr, o, 9));

        var cold = new GreedySlates(world).Value(1, Policy(world, g => Enumerable.Range(((g + 1) % 6) * 20, 5).Select(i => (i, 0.3))), SegmentOfGroup, _ => new HashSet<int>());
        Assert.All(cold.Greedy, v => Assert.Equal(ShopWorld.OtherCtr, v, 9));
    }

    [Fact]
    public void ABoughtItemLeavesTheShoppersGreedySlateAndTheirOracle()
    {
        var world = new ShopWorld(20, 3);
        var firstHot = world.HotItems(0)[0];
        var ranked = new Func<int, IEnumerable<(int, double)>>(g => world.HotItems(g).Select(i => (i, 0.3)).Append((g * 20 + 19 == firstHot ? g * 20 + 18 : g * 20 + 19, 0.1)));
        var snapshot = new GreedySlates(world).Value(1, Policy(world, ranked), SegmentOfGroup,
            s => ShopWorld.GroupOf(s) == 0 ? new HashSet<int> { firstHot } : new HashSet<int>());
        var expected = (4 * ShopWorld.HotCtr + world.Ctr(0, ranked(0).Last().Item1)) / 5;
        Assert.Equal(expected, snapshot.Greedy[0], 9);
        Assert.Equal(expected, snapshot.Oracle[0], 9);
    }

    [Fact]
    public void AServedScoreRanksAPriorOnlyItemUnlessTheTruncatedAdminListShowsItWasLearntLower()
    {
        var world = new ShopWorld(20, 3);
        var greedy = new GreedySlates(world);
        var other = Enumerable.Range(4 * 20, 5).ToList();
        foreach (var item in other)
        {
            greedy.Saw("seg-0", item, 0.9);
        }
        var hotTop = Policy(world, g => world.HotItems(g).Select(i => (i, 0.3)));
        Assert.Equal(ShopWorld.OtherCtr, greedy.Value(1, hotTop, SegmentOfGroup, _ => new HashSet<int>()).Greedy[0], 9);

        var truncated = Policy(world, g => world.HotItems(g).Select(i => (i, 0.3)), learnt: 50);
        Assert.Equal(ShopWorld.HotCtr, greedy.Value(2, truncated, SegmentOfGroup, _ => new HashSet<int>()).Greedy[0], 9);
    }
}

using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class PolicyScorerTests
{
    private static readonly string[] Candidates = ["a", "b", "c"];

    private static (double[] Means, double[] Selection) Score(PolicyOptions options)
    {
        var table = new QTable();
        // a and b have the same mean; a rests on 100 impressions, b on 2; c was never shown.
        table.Restore([new QRowSnapshot("s", new QRow.RowTotals(102, 10.2, 10.2),
            new Dictionary<string, SettledCell> { ["a"] = new(0.1, 100), ["b"] = new(0.1, 2) })]);
        var wrapped = Options.Create(options);
        var scorer = new PolicyScorer(new ItemPriors(table, wrapped, new FakeTimeProvider()), wrapped);
        var (priors, means, selection) = (new double[3], new double[3], new double[3]);
        scorer.Score(table, "s", Candidates, priors, means, selection);
        return (means, selection);
    }

    [Fact]
    public void UcbAddsABonusThatShrinksWithTheSquareRootOfTheEvidence()
    {
        var (means, selection) = Score(new PolicyOptions());

        Assert.Equal(means[0], means[1], 12);
        var bonus = selection.Zip(means, (s, m) => s - m).ToArray();
        Assert.All(bonus, b => Assert.True(b > 0));
        // Weights: a min(k + 100, 1/η_min) = 50, b k + 2 = 5, c (untried) k = 3; each bonus also scales with
        // √(max(mean, level) / level), the item's expected rate against the segment's level (no catalogue: no shelves).
        const double m = ItemPriors.LevelImpressions;
        var level = (10.2 + m * ((10.2 + m * 0.05) / (102 + m))) / (102 + m);
        double Rate(int i) => Math.Max(means[i], level) / level;
        Assert.Equal(Math.Sqrt(50.0 / 5), bonus[1] / bonus[0], 9);
        Assert.Equal(Math.Sqrt(50.0 / 3 * Rate(2) / Rate(0)), bonus[2] / bonus[0], 9);
        Assert.True(selection[1] > selection[0], "the less tried of two equal items is preferred");
    }

    [Theory]
    [InlineData(ExplorationKind.EpsilonGreedy)]
    [InlineData(ExplorationKind.Softmax)]
    public void OtherStrategiesSelectByTheMeanAlone(ExplorationKind kind)
    {
        var (means, selection) = Score(new PolicyOptions { Exploration = kind });
        Assert.Equal(means, selection);
    }

    [Fact]
    public void AnUntriedItemWithoutBehaviourStartsAtTheSegmentsLevel()
    {
        var (means, _) = Score(new PolicyOptions());
        // No behaviour events: the prior is the segment's level, (R_s + m·shop) / (N_s + m), shop = (R + m·p0) / (N + m).
        const double m = ItemPriors.LevelImpressions;
        var shop = (10.2 + m * 0.05) / (102 + m);
        Assert.Equal((10.2 + m * shop) / (102 + m), means[2], 12);
    }

    private static PolicyScorer Scorer(PolicyOptions options)
    {
        var wrapped = Options.Create(options);
        return new PolicyScorer(new ItemPriors(new QTable(), wrapped, new FakeTimeProvider()), wrapped);
    }

    [Fact]
    public void TheBonusFillsAtMostTheExplorationSlotsOfASlateTheRestGoesToTheBestMeans()
    {
        // Ten candidates: means 1.0, 0.9, …, 0.1; the bonus makes the three worst outbid everything.
        var means = Enumerable.Range(0, 10).Select(i => 1.0 - 0.1 * i).ToArray();
        var selection = means.Select((m, i) => i >= 7 ? m + 5 : m + 0.01).ToArray();

        Scorer(new PolicyOptions { ExplorationSlots = 1 }).ReserveGreedySlots(means, selection, 5);

        // One exploring slot: the 4 best means come first, in their order, then the best bonus.
        var slate = SlateSelector.Select(selection, 5, ExplorationKind.EpsilonGreedy, 0, 1, new SeededPolicyRandom(1));
        Assert.Equal([0, 1, 2, 3, 7], slate.Select(p => p.Index));
    }

    [Fact]
    public void ASlateNoLargerThanTheExplorationSlotsLeavesTheBonusFree()
    {
        var means = new[] { 1.0, 0.5, 0.1 };
        var bonus = new[] { 1.01, 0.51, 2.0 };
        foreach (var (slots, count) in new[] { (1, 1), (3, 3), (2, 2) })
        {
            var selection = (double[])bonus.Clone();
            Scorer(new PolicyOptions { ExplorationSlots = slots }).ReserveGreedySlots(means, selection, count);
            Assert.Equal(bonus, selection);
        }
    }

    [Fact]
    public void ItemsTiedAtTheBoundaryAreNotReservedSoTheBonusStillChoosesAmongThem()
    {
        // Four items tie at the greedy slate's edge: reserving some of them would pick among ties by index.
        var means = new[] { 1.0, 0.5, 0.5, 0.5, 0.5 };
        var selection = new[] { 1.01, 0.6, 0.9, 0.7, 0.8 };
        Scorer(new PolicyOptions { ExplorationSlots = 1 }).ReserveGreedySlots(means, selection, 3);

        Assert.True(selection[0] > selection.Skip(1).Max());
        Assert.Equal([0.6, 0.9, 0.7, 0.8], selection.Skip(1));
    }

    [Theory]
    [InlineData(ExplorationKind.EpsilonGreedy)]
    [InlineData(ExplorationKind.Softmax)]
    public void OnlyUcbReservesSlots(ExplorationKind kind)
    {
        var means = new[] { 1.0, 0.5, 0.1 };
        var selection = new[] { 1.0, 0.5, 0.1 };
        Scorer(new PolicyOptions { Exploration = kind }).ReserveGreedySlots(means, selection, 3);
        Assert.Equal(means, selection);
    }
}

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
}

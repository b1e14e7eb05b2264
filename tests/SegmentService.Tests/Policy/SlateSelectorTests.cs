using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class SlateSelectorTests
{
    private static readonly double[] Scores = [0.1, 0.5, 0.3, 0.5, 0.0, 0.2];

    [Theory]
    [InlineData(ExplorationKind.EpsilonGreedy)]
    [InlineData(ExplorationKind.Softmax)]
    public void EachPickCarriesTheProbabilityOfThatItemGivenTheRemainingCandidates(ExplorationKind kind)
    {
        var random = new SeededPolicyRandom(1);
        for (var run = 0; run < 200; run++)
        {
            var picks = SlateSelector.Select(Scores, 4, kind, 0.2, 0.1, random);
            var remaining = Enumerable.Range(0, Scores.Length).ToList();
            foreach (var pick in picks)
            {
                var expected = SlateSelector.Probability(remaining.Select(i => Scores[i]).ToArray(), remaining.IndexOf(pick.Index), kind, 0.2, 0.1);
                Assert.Equal(expected, pick.Propensity, 12);
                remaining.Remove(pick.Index);
            }
            Assert.Equal(4, picks.Select(p => p.Index).Distinct().Count());
        }
    }

    [Theory]
    [InlineData(ExplorationKind.EpsilonGreedy)]
    [InlineData(ExplorationKind.Ucb)]
    [InlineData(ExplorationKind.Softmax)]
    public void FirstSlotFrequenciesMatchThePropensities(ExplorationKind kind)
    {
        const int draws = 40_000;
        var random = new SeededPolicyRandom(2);
        var counts = new int[Scores.Length];
        for (var i = 0; i < draws; i++)
        {
            counts[SlateSelector.Select(Scores, 1, kind, 0.3, 0.15, random)[0].Index]++;
        }
        for (var item = 0; item < Scores.Length; item++)
        {
            var p = SlateSelector.Probability(Scores, item, kind, 0.3, 0.15);
            var sigma = Math.Sqrt(p * (1 - p) / draws);
            Assert.InRange(counts[item] / (double)draws, p - 4 * sigma - 1e-9, p + 4 * sigma + 1e-9);
        }
    }

    [Theory]
    [InlineData(ExplorationKind.EpsilonGreedy)]
    [InlineData(ExplorationKind.Softmax)]
    public void ProbabilitiesOverTheCandidatesSumToOne(ExplorationKind kind)
    {
        var total = Enumerable.Range(0, Scores.Length).Sum(i => SlateSelector.Probability(Scores, i, kind, 0.25, 0.2));
        Assert.Equal(1.0, total, 12);
    }

    [Fact]
    public void ZeroEpsilonServesTheGreedySlateBreakingTiesUniformlyAtRandom()
    {
        const int draws = 4000;
        var random = new SeededPolicyRandom(3);
        var firstIsOne = 0;
        for (var i = 0; i < draws; i++)
        {
            var picks = SlateSelector.Select(Scores, 3, ExplorationKind.EpsilonGreedy, 0, 1, random);
            // Items 1 and 3 both score 0.5: either comes first with probability ½, then the other, then item 2.
            Assert.True(picks[0].Index is 1 or 3);
            Assert.Equal([4 - picks[0].Index, 2], picks.Skip(1).Select(p => p.Index));
            Assert.Equal([0.5, 1.0, 1.0], picks.Select(p => p.Propensity));
            firstIsOne += picks[0].Index == 1 ? 1 : 0;
        }
        var sigma = Math.Sqrt(0.25 / draws);
        Assert.InRange(firstIsOne / (double)draws, 0.5 - 4 * sigma, 0.5 + 4 * sigma);
    }

    [Fact]
    public void ATiedBestItemHasItsShareOfTheGreedyProbabilityPlusItsExplorationShare()
    {
        const double epsilon = 0.3;
        Assert.Equal((1 - epsilon) / 2 + epsilon / 6, SlateSelector.Probability(Scores, 1, ExplorationKind.EpsilonGreedy, epsilon, 1), 15);
        Assert.Equal((1 - epsilon) / 2 + epsilon / 6, SlateSelector.Probability(Scores, 3, ExplorationKind.EpsilonGreedy, epsilon, 1), 15);
        Assert.Equal(epsilon / 6, SlateSelector.Probability(Scores, 2, ExplorationKind.EpsilonGreedy, epsilon, 1), 15);
        // Scores within the tolerance of rounding tie too.
        double[] nearly = [0.3, 0.1 + 0.2, 0.2];
        Assert.Equal((1 - epsilon) / 2 + epsilon / 3, SlateSelector.Probability(nearly, 0, ExplorationKind.EpsilonGreedy, epsilon, 1), 15);
    }

    [Fact]
    public void SecondSlotFrequenciesMatchThePropensitiesGivenTheFirstPick()
    {
        const int draws = 60_000;
        const double epsilon = 0.3;
        var random = new SeededPolicyRandom(5);
        var counts = new Dictionary<(int, int), int>();
        for (var i = 0; i < draws; i++)
        {
            var picks = SlateSelector.Select(Scores, 2, ExplorationKind.EpsilonGreedy, epsilon, 1, random);
            var key = (picks[0].Index, picks[1].Index);
            counts[key] = counts.GetValueOrDefault(key) + 1;
            var remaining = Enumerable.Range(0, Scores.Length).Where(j => j != picks[0].Index).ToList();
            Assert.Equal(
                SlateSelector.Probability(Scores, picks[0].Index, ExplorationKind.EpsilonGreedy, epsilon, 1)
                * SlateSelector.Probability([.. remaining.Select(j => Scores[j])], remaining.IndexOf(picks[1].Index), ExplorationKind.EpsilonGreedy, epsilon, 1),
                picks[0].Propensity * picks[1].Propensity, 15);
        }
        // Every ordered pair appears as often as the product of its two propensities says.
        foreach (var first in Enumerable.Range(0, Scores.Length))
        {
            var remaining = Enumerable.Range(0, Scores.Length).Where(j => j != first).ToList();
            foreach (var second in remaining)
            {
                var p = SlateSelector.Probability(Scores, first, ExplorationKind.EpsilonGreedy, epsilon, 1)
                    * SlateSelector.Probability([.. remaining.Select(j => Scores[j])], remaining.IndexOf(second), ExplorationKind.EpsilonGreedy, epsilon, 1);
                var sigma = Math.Sqrt(p * (1 - p) / draws);
                Assert.InRange(counts.GetValueOrDefault((first, second)) / (double)draws, p - 4.5 * sigma, p + 4.5 * sigma);
            }
        }
    }

    [Fact]
    public void SlateIsCutToTheCandidates()
    {
        Assert.Equal(2, SlateSelector.Select([1.0, 2.0], 10, ExplorationKind.Softmax, 0, 1, new SeededPolicyRandom(4)).Length);
        Assert.Empty(SlateSelector.Select([], 10, ExplorationKind.EpsilonGreedy, 0.1, 1, new SeededPolicyRandom(4)));
    }
}

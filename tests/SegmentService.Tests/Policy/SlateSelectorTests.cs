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
    public void ZeroEpsilonServesTheGreedySlateWithPropensityOne()
    {
        var picks = SlateSelector.Select(Scores, 3, ExplorationKind.EpsilonGreedy, 0, 1, new SeededPolicyRandom(3));
        // Ties go to the lower index: items 1 and 3 both score 0.5.
        Assert.Equal([1, 3, 2], picks.Select(p => p.Index));
        Assert.All(picks, p => Assert.Equal((1.0, false), (p.Propensity, p.Explored)));
    }

    [Fact]
    public void SlateIsCutToTheCandidates()
    {
        Assert.Equal(2, SlateSelector.Select([1.0, 2.0], 10, ExplorationKind.Softmax, 0, 1, new SeededPolicyRandom(4)).Length);
        Assert.Empty(SlateSelector.Select([], 10, ExplorationKind.EpsilonGreedy, 0.1, 1, new SeededPolicyRandom(4)));
    }
}

using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class OffPolicyEstimatorTests
{
    [Fact]
    public void TheLoggingPolicyIsEstimatedByItsOwnMeanReward()
    {
        var random = new Random(8);
        var logs = Enumerable.Range(0, 500).Select(_ =>
        {
            var p = 0.05 + random.NextDouble() * 0.9;
            return new LoggedDecision(random.NextDouble() < 0.3 ? 1 : 0, p, p);
        }).ToList();

        var estimate = OffPolicyEstimator.Estimate(logs);

        Assert.Equal(logs.Average(d => d.Reward), estimate.Ips, 12);
        Assert.Equal(estimate.LoggedMeanReward, estimate.Snips, 12);
        Assert.Equal((500, 500), (estimate.Slates, estimate.Decisions));
    }

    [Fact]
    public void TheLoggingPolicyOfSlatesIsEstimatedByItsOwnMeanRewardPerSlot()
    {
        var random = new Random(10);
        var slates = Enumerable.Range(0, 400).Select(_ => (IReadOnlyList<LoggedDecision>)[.. Enumerable.Range(0, 1 + random.Next(4)).Select(_ =>
        {
            var p = 0.05 + random.NextDouble() * 0.9;
            return new LoggedDecision(random.NextDouble() < 0.2 ? (random.NextDouble() < 0.3 ? 6 : 1) : 0, p, p);
        })]).ToList();

        var estimate = OffPolicyEstimator.Estimate(slates);

        var mean = slates.SelectMany(s => s).Average(d => d.Reward);
        Assert.Equal(mean, estimate.Ips, 12);
        Assert.Equal(mean, estimate.Snips, 12);
        Assert.Equal(mean, estimate.LoggedMeanReward, 12);
        Assert.Equal((400, slates.Sum(s => s.Count)), (estimate.Slates, estimate.Decisions));
    }

    [Fact]
    public void IpsRecoversTheBestArmOfAKnownBanditFromUniformLogs()
    {
        // Three arms with click rates 0.1, 0.5, 0.2, logged uniformly; the target always plays arm 1.
        double[] rates = [0.1, 0.5, 0.2];
        var random = new Random(9);
        var logs = Enumerable.Range(0, 30_000).Select(_ =>
        {
            var arm = random.Next(3);
            return new LoggedDecision(random.NextDouble() < rates[arm] ? 1 : 0, 1.0 / 3, arm == 1 ? 1 : 0);
        });

        var estimate = OffPolicyEstimator.Estimate(logs);

        Assert.InRange(estimate.Ips, 0.47, 0.53);
        Assert.InRange(estimate.Snips, 0.47, 0.53);
        Assert.InRange(estimate.LoggedMeanReward, 0.25, 0.28);
    }

    /// <summary>
    /// Four items with click rates 0.1, 0.6, 0.3, 0.2; slates of two logged uniformly without replacement; the target
    /// shows the fixed slate (item 2, item 1), worth (0.3 + 0.6) / 2 per slot. Weighting slot 2 by the ratio of both
    /// slots recovers it; weighting it by its own ratio alone (given the logged first slot) does not.
    /// </summary>
    [Fact]
    public void CumulativeRatiosRecoverAFixedSlatesValueFromUniformSlateLogs()
    {
        double[] rates = [0.1, 0.6, 0.3, 0.2];
        var random = new Random(12);
        var cumulative = new List<IReadOnlyList<LoggedDecision>>();
        var perSlot = new List<LoggedDecision>();
        for (var i = 0; i < 40_000; i++)
        {
            var first = random.Next(4);
            var rest = Enumerable.Range(0, 4).Where(a => a != first).ToArray();
            var second = rest[random.Next(3)];
            var r1 = random.NextDouble() < rates[first] ? 1 : 0;
            var r2 = random.NextDouble() < rates[second] ? 1 : 0;
            // The target's slot-2 pick given the logged first slot: item 1, or item 2 when item 1 already fills slot 1.
            var targetSecond = first == 1 ? 2 : 1;
            LoggedDecision d1 = new(r1, 1.0 / 4, first == 2 ? 1 : 0);
            LoggedDecision d2 = new(r2, 1.0 / 3, second == targetSecond ? 1 : 0);
            cumulative.Add([d1, d2]);
            perSlot.Add(d1);
            perSlot.Add(d2);
        }

        var estimate = OffPolicyEstimator.Estimate(cumulative);
        var naive = OffPolicyEstimator.Estimate(perSlot);

        const double truth = (0.3 + 0.6) / 2;
        Assert.InRange(estimate.Ips, truth - 3 * estimate.IpsStandardError, truth + 3 * estimate.IpsStandardError);
        Assert.InRange(estimate.IpsStandardError, 1e-4, 0.02);
        // Slot 2 alone counts item 2 after item 1 (0.3) as often as item 1 after others: (0.3 + (3·0.6 + 0.3)/4) / 2 ≠ truth.
        Assert.True(Math.Abs(naive.Ips - truth) > 5 * naive.IpsStandardError, $"per-slot IPS {naive.Ips} should be biased");
    }

    [Fact]
    public void NoDecisionsGiveZeros()
    {
        Assert.Equal(new OffPolicyEstimate(0, 0, 0, 0, 0, 0, 0), OffPolicyEstimator.Estimate(Array.Empty<LoggedDecision>()));
        Assert.Equal(new OffPolicyEstimate(0, 0, 0, 0, 0, 0, 0), OffPolicyEstimator.Estimate(Array.Empty<IReadOnlyList<LoggedDecision>>()));
    }
}

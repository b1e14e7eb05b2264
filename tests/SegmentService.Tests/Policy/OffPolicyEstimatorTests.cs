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

    [Fact]
    public void NoDecisionsGiveZeros()
    {
        Assert.Equal(new OffPolicyEstimate(0, 0, 0, 0), OffPolicyEstimator.Estimate([]));
    }
}

namespace SegmentService.Api.Policy;

/// <summary>One logged decision: the reward it got, the logging policy's propensity, and the target policy's probability of the same action.</summary>
public readonly record struct LoggedDecision(double Reward, double LoggedPropensity, double TargetProbability);

/// <summary>Inverse propensity scoring estimates of a target policy's mean reward from logs.</summary>
public sealed record OffPolicyEstimate(double Ips, double Snips, int Decisions, double LoggedMeanReward);

public static class OffPolicyEstimator
{
    /// <summary>
    /// IPS = (1/N) Σ r·π/μ (unbiased when μ > 0 wherever π > 0); SNIPS divides by Σ π/μ instead of N,
    /// trading a little bias for much lower variance. SNIPS is 0 when no decision has weight.
    /// </summary>
    public static OffPolicyEstimate Estimate(IEnumerable<LoggedDecision> decisions)
    {
        double weighted = 0, weights = 0, rewards = 0;
        var n = 0;
        foreach (var d in decisions)
        {
            if (d.LoggedPropensity <= 0)
            {
                throw new ArgumentException("A logged propensity must be positive.", nameof(decisions));
            }
            var w = d.TargetProbability / d.LoggedPropensity;
            weighted += w * d.Reward;
            weights += w;
            rewards += d.Reward;
            n++;
        }
        return n == 0
            ? new OffPolicyEstimate(0, 0, 0, 0)
            : new OffPolicyEstimate(weighted / n, weights > 0 ? weighted / weights : 0, n, rewards / n);
    }
}

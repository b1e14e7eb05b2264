namespace SegmentService.Api.Policy;

/// <summary>One shown slot: its reward, the logging policy's propensity, and the target policy's probability of the same pick (both given the slate's earlier slots).</summary>
public readonly record struct LoggedDecision(double Reward, double LoggedPropensity, double TargetProbability);

/// <summary>IPS and self-normalised IPS of a target policy's mean reward per slot, with standard errors.</summary>
public sealed record OffPolicyEstimate(double Ips, double IpsStandardError, double Snips, double SnipsStandardError, int Slates, int Decisions, double LoggedMeanReward);

/// <summary>
/// Slate IPS with cumulative ratios: slot k of a slate is weighted by w_k = Π_{j≤k} π(a_j | a_&lt;j) / μ(a_j | a_&lt;j),
/// the probability ratio of the whole prefix the target policy would have to produce to reach that slot. That is
/// unbiased for a policy that fills slates slot by slot (the per-slot ratio alone is not: it conditions on the logged
/// earlier slots). IPS = Σ w_k r_k / #slots; SNIPS = Σ w_k r_k / Σ w_k. Standard errors treat slates as independent
/// (the delta method for SNIPS).
/// </summary>
public static class OffPolicyEstimator
{
    /// <summary>Each decision its own one-slot slate (logs whose slots were drawn independently).</summary>
    public static OffPolicyEstimate Estimate(IEnumerable<LoggedDecision> decisions) =>
        Estimate(decisions.Select(d => (IReadOnlyList<LoggedDecision>)[d]));

    public static OffPolicyEstimate Estimate(IEnumerable<IReadOnlyList<LoggedDecision>> slates)
    {
        var perSlate = new List<(double WeightedReward, double Weight, int Slots)>();
        double rewards = 0;
        var decisions = 0;
        foreach (var slate in slates)
        {
            double ratio = 1, weightedReward = 0, weight = 0;
            foreach (var d in slate)
            {
                if (d.LoggedPropensity <= 0)
                {
                    throw new ArgumentException("A logged propensity must be positive.", nameof(slates));
                }
                ratio *= d.TargetProbability / d.LoggedPropensity;
                weightedReward += ratio * d.Reward;
                weight += ratio;
                rewards += d.Reward;
                decisions++;
            }
            if (slate.Count > 0)
            {
                perSlate.Add((weightedReward, weight, slate.Count));
            }
        }
        var n = perSlate.Count;
        if (n == 0)
        {
            return new OffPolicyEstimate(0, 0, 0, 0, 0, 0, 0);
        }
        double sumWr = 0, sumW = 0;
        foreach (var s in perSlate)
        {
            sumWr += s.WeightedReward;
            sumW += s.Weight;
        }
        var ips = sumWr / decisions;
        var snips = sumW > 0 ? sumWr / sumW : 0;
        // Per-slate contributions scaled to "per slot": x_i = WR_i · n / D for IPS; SNIPS residuals WR_i − snips·W_i.
        double ipsVar = 0, snipsVar = 0;
        var scale = n / (double)decisions;
        foreach (var s in perSlate)
        {
            ipsVar += Math.Pow(s.WeightedReward * scale - ips, 2);
            snipsVar += Math.Pow(s.WeightedReward - snips * s.Weight, 2);
        }
        var ipsSe = n > 1 ? Math.Sqrt(ipsVar / (n - 1) / n) : 0;
        var meanW = sumW / n;
        var snipsSe = n > 1 && meanW > 0 ? Math.Sqrt(snipsVar / (n - 1) / n) / meanW : 0;
        return new OffPolicyEstimate(ips, ipsSe, snips, snipsSe, n, decisions, rewards / decisions);
    }
}

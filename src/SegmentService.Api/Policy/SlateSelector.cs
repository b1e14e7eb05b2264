namespace SegmentService.Api.Policy;

/// <summary>One pick of a slate: the candidate's index, its score, the probability of that pick, and whether it was not the greedy one.</summary>
public readonly record struct SlatePick(int Index, double Score, double Propensity, bool Explored);

/// <summary>
/// Fills a slate slot by slot from the remaining candidates, and gives every pick its exact
/// propensity: the probability that the policy picks that item in that slot given what remains.
/// Ties in score go to the lower candidate index, so the greedy choice is well defined.
/// </summary>
public static class SlateSelector
{
    public static SlatePick[] Select(
        ReadOnlySpan<double> scores, int count, ExplorationKind kind, double epsilon, double temperature, IPolicyRandom random)
    {
        var n = scores.Length;
        count = Math.Min(count, n);
        var picks = new SlatePick[count];
        if (count == 0)
        {
            return picks;
        }
        var taken = new bool[n];
        if (kind == ExplorationKind.EpsilonGreedy)
        {
            // O(count · n) argmax scans: cheaper than sorting the catalogue for a slate of ten.
            for (var slot = 0; slot < count; slot++)
            {
                var greedy = ArgMax(scores, taken);
                var remaining = n - slot;
                var pick = greedy;
                if (epsilon > 0 && random.NextDouble() < epsilon)
                {
                    var k = (int)(random.NextDouble() * remaining);
                    pick = NthUntaken(taken, Math.Min(k, remaining - 1));
                }
                taken[pick] = true;
                var propensity = (pick == greedy ? 1 - epsilon : 0) + epsilon / remaining;
                picks[slot] = new SlatePick(pick, scores[pick], propensity, pick != greedy);
            }
            return picks;
        }

        var weights = new double[n];
        for (var slot = 0; slot < count; slot++)
        {
            var greedy = -1;
            var max = double.NegativeInfinity;
            for (var i = 0; i < n; i++)
            {
                if (!taken[i] && scores[i] > max)
                {
                    max = scores[i];
                    greedy = i;
                }
            }
            var total = 0.0;
            for (var i = 0; i < n; i++)
            {
                weights[i] = taken[i] ? 0 : Math.Exp((scores[i] - max) / temperature);
                total += weights[i];
            }
            var u = random.NextDouble() * total;
            var pick = -1;
            for (var i = 0; i < n; i++)
            {
                if (taken[i])
                {
                    continue;
                }
                pick = i;
                u -= weights[i];
                if (u < 0)
                {
                    break;
                }
            }
            taken[pick] = true;
            picks[slot] = new SlatePick(pick, scores[pick], weights[pick] / total, pick != greedy);
        }
        return picks;
    }

    /// <summary>
    /// The probability that a policy picks <paramref name="chosen"/> from <paramref name="scores"/> (the slot's remaining candidates).
    /// Greedy: epsilon-greedy with ε = 0.
    /// </summary>
    public static double Probability(ReadOnlySpan<double> scores, int chosen, ExplorationKind kind, double epsilon, double temperature)
    {
        var n = scores.Length;
        var greedy = 0;
        for (var i = 1; i < n; i++)
        {
            if (scores[i] > scores[greedy])
            {
                greedy = i;
            }
        }
        if (kind == ExplorationKind.EpsilonGreedy)
        {
            return (chosen == greedy ? 1 - epsilon : 0) + epsilon / n;
        }
        var max = scores[greedy];
        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            total += Math.Exp((scores[i] - max) / temperature);
        }
        return Math.Exp((scores[chosen] - max) / temperature) / total;
    }

    private static int ArgMax(ReadOnlySpan<double> scores, bool[] taken)
    {
        var best = -1;
        var max = double.NegativeInfinity;
        for (var i = 0; i < scores.Length; i++)
        {
            if (!taken[i] && (best < 0 || scores[i] > max))
            {
                max = scores[i];
                best = i;
            }
        }
        return best;
    }

    private static int NthUntaken(bool[] taken, int k)
    {
        for (var i = 0; i < taken.Length; i++)
        {
            if (!taken[i] && k-- == 0)
            {
                return i;
            }
        }
        throw new InvalidOperationException("Fewer candidates remain than the slot count.");
    }
}

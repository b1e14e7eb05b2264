namespace SegmentService.Api.Policy;

/// <summary>One pick of a slate: the candidate's index, its score, and the probability of that pick.</summary>
public readonly record struct SlatePick(int Index, double Score, double Propensity);

/// <summary>
/// Fills a slate slot by slot from the remaining candidates, and gives every pick its exact propensity: the
/// probability that the policy picks that item in that slot given what remains. Epsilon-greedy (also used for UCB,
/// whose scores carry the optimism bonus) takes the best score with probability 1 − ε, ties broken uniformly at random,
/// and a uniformly random remaining candidate otherwise; softmax draws in proportion to exp(score / τ).
/// </summary>
public static class SlateSelector
{
    /// <summary>Scores closer than this count as a tie (they differ only by rounding).</summary>
    public const double TieTolerance = 1e-12;

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
        if (kind == ExplorationKind.Softmax)
        {
            SelectSoftmax(scores, picks, taken, temperature, random);
            return picks;
        }
        // O(count · n) scans: cheaper than sorting the candidates for a slate of ten.
        for (var slot = 0; slot < count; slot++)
        {
            var remaining = n - slot;
            var (best, ties) = Best(scores, taken);
            int pick;
            if (epsilon > 0 && random.NextDouble() < epsilon)
            {
                pick = NthUntaken(taken, Math.Min((int)(random.NextDouble() * remaining), remaining - 1));
            }
            else
            {
                pick = NthTied(scores, taken, best, Math.Min((int)(random.NextDouble() * ties), ties - 1));
            }
            var isBest = scores[pick] >= best - TieTolerance;
            var propensity = (isBest ? (1 - epsilon) / ties : 0) + epsilon / remaining;
            taken[pick] = true;
            picks[slot] = new SlatePick(pick, scores[pick], propensity);
        }
        return picks;
    }

    private static void SelectSoftmax(ReadOnlySpan<double> scores, SlatePick[] picks, bool[] taken, double temperature, IPolicyRandom random)
    {
        var n = scores.Length;
        var weights = new double[n];
        for (var slot = 0; slot < picks.Length; slot++)
        {
            var (max, _) = Best(scores, taken);
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
            picks[slot] = new SlatePick(pick, scores[pick], weights[pick] / total);
        }
    }

    /// <summary>
    /// The probability that a policy picks <paramref name="chosen"/> from <paramref name="scores"/> (one slot's remaining
    /// candidates). Greedy: epsilon-greedy with ε = 0 (ties share the probability).
    /// </summary>
    public static double Probability(ReadOnlySpan<double> scores, int chosen, ExplorationKind kind, double epsilon, double temperature)
    {
        var n = scores.Length;
        var max = double.NegativeInfinity;
        for (var i = 0; i < n; i++)
        {
            max = Math.Max(max, scores[i]);
        }
        if (kind == ExplorationKind.Softmax)
        {
            var total = 0.0;
            for (var i = 0; i < n; i++)
            {
                total += Math.Exp((scores[i] - max) / temperature);
            }
            return Math.Exp((scores[chosen] - max) / temperature) / total;
        }
        var ties = 0;
        for (var i = 0; i < n; i++)
        {
            if (scores[i] >= max - TieTolerance)
            {
                ties++;
            }
        }
        var isBest = scores[chosen] >= max - TieTolerance;
        return (isBest ? (1 - epsilon) / ties : 0) + epsilon / n;
    }

    /// <summary>The best score among candidates not taken, and how many tie with it.</summary>
    public static (double Best, int Ties) Best(ReadOnlySpan<double> scores, bool[] taken)
    {
        var max = double.NegativeInfinity;
        for (var i = 0; i < scores.Length; i++)
        {
            if (!taken[i] && scores[i] > max)
            {
                max = scores[i];
            }
        }
        var ties = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (!taken[i] && scores[i] >= max - TieTolerance)
            {
                ties++;
            }
        }
        return (max, ties);
    }

    /// <summary>The index of the k-th (from 0) untaken candidate tied with <paramref name="best"/>.</summary>
    public static int NthTied(ReadOnlySpan<double> scores, bool[] taken, double best, int k)
    {
        for (var i = 0; i < scores.Length; i++)
        {
            if (!taken[i] && scores[i] >= best - TieTolerance && k-- == 0)
            {
                return i;
            }
        }
        throw new InvalidOperationException("No tied candidate left.");
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

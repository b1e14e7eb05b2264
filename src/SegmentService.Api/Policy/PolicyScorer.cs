using System.Buffers;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Policy;

/// <summary>
/// Scores a segment's candidates: each one's prior, its served mean (<see cref="LearningRule.Serve"/>) and its
/// selection score. Under Ucb the selection score adds the optimism bonus
/// <code>  c · √(σ²_s · (μ_a / level_s) · ln(1 + N_s) / w_a)  </code>
/// where σ²_s is the variance of the segment's reward per impression (the shop's while the segment has few), scaled by
/// the item's expected rate μ_a = max(its mean, its category's shelf level in the segment: <see cref="ItemPriors"/>) relative to the segment's level (rare rewards have a variance about
/// proportional to their rate), N_s its settled and pending impressions and w_a the weight of evidence behind the
/// item's mean (prior impressions included). Items little
/// tried get a large bonus, so hundreds of untried items are each tried a few times before the best are exploited.
/// </summary>
public sealed class PolicyScorer(ItemPriors priors, IOptions<PolicyOptions> options)
{
    private readonly PolicyOptions _options = options.Value;
    private readonly LearningRule _rule = options.Value.Rule();

    public ExplorationKind Exploration => _options.Exploration;

    /// <summary>Whether selection scores carry an optimism bonus (Ucb with Policy:Optimism above 0); otherwise they are the means.</summary>
    private bool HasBonus => _options.Exploration == ExplorationKind.Ucb && _options.Optimism != 0;

    /// <summary>Source names whose weight the blend learns (API.md's `source` values for per-user candidates).</summary>
    public static bool IsBlendedSource(string source) => BlendIndex(source) >= 0;

    /// <summary>The blended source names, in the order the admin API lists them.</summary>
    public static IReadOnlyList<string> BlendedSources { get; } = ["similar", "content"];

    /// <summary>
    /// How much each blended source (<see cref="BlendedSources"/>, in that order) adds for an item it proposes with
    /// relative affinity 1, learnt per segment by <see cref="BlendRegression"/> from β_src, the source's coefficient in the
    /// regression of shown items' rewards on their segment value and source affinities:
    ///   served(s, src) = max(0, (β_src − z·√(σ²_s V_src)) / β_b⁺)   (z = Policy:BlendServedMargin),
    ///   exploration(s, src) = max(0, β_src / β_b⁺ + c · √(σ²_s · ln(1 + N_s) · V_src) − served(s, src))   (Ucb; else served),
    /// V_src the coefficient's variance per unit of reward variance and β_b⁺ the slope on the segment's value (below).
    /// The served weight adds to an item's mean, which ranks the greedy slots (<see cref="ReserveGreedySlots"/>); the
    /// exploration weight adds to its selection score, which ranks the exploration slots. So in an exploration slot a
    /// proposed item competes with its own value and bonus plus the source's optimism, not with its served lift: the
    /// exploration slots search the segment's items and the sources' uncertain coefficients; what a source is known to
    /// add buys greedy slots. A source whose affinity predicts nothing beyond the segment's own value fades to 0 for that
    /// segment; one that predicts more is blended in, item by item, in proportion to affinity.
    /// </summary>
    /// <remarks>
    /// With the served lift in the selection score too, a source's proposals took most exploration slots wherever the
    /// regression credited it with value the segment's items also had (a 2,004-item planted shop: CF proposals of
    /// in-category items, worth as much as any other, held 30 % of all slots), and the search for the segment's best
    /// items stalled.
    /// </remarks>
    public void BlendWeights(QTable table, string segmentKey, Span<double> served, Span<double> exploration)
    {
        Span<double> coefficients = stackalloc double[BlendRegression.Dimension];
        Fit(table, segmentKey, served, exploration, coefficients);
    }

    /// <summary>The blend's fit in a segment, for the admin API: β (intercept, b, then each source), both weights and the shown items behind it.</summary>
    public (double[] Coefficients, double[] Served, double[] Exploration, double ShownItems) Blend(QTable table, string segmentKey)
    {
        var coefficients = new double[BlendRegression.Dimension];
        var served = new double[BlendedSources.Count];
        var exploration = new double[BlendedSources.Count];
        var shown = Fit(table, segmentKey, served, exploration, coefficients);
        return (coefficients, served, exploration, shown);
    }

    private double Fit(QTable table, string segmentKey, Span<double> served, Span<double> exploration, Span<double> coefficients)
    {
        var d = BlendRegression.Dimension;
        Span<double> statistics = stackalloc double[BlendRegression.StatisticsLength];
        if (!table.TryGetRow(QTable.SourcesKey(segmentKey), out var row) || !row.BlendStatistics(statistics))
        {
            statistics.Clear();
        }
        Span<double> spread = stackalloc double[d];
        BlendRegression.Solve(statistics, _options.BlendPriorImpressions, priors.Level(segmentKey), coefficients, spread);
        var optimism = _options.BlendOptimism;
        var (variance, impressions) = Spread(table, segmentKey);
        // Scores rank by b; the fit ranks by β_b·b + Σ β_src·x, i.e. by b + Σ (β_src/β_b)·x. β_b is taken at the top of its
        // confidence interval (two standard errors) and at least Policy:BlendMinSegmentSlope, so a slope the data do not
        // pin down yet does not inflate the weights, and the exploration bonus is not scaled: while the segment's own
        // values predict nothing (its best items not found yet) an inflated bonus would give every slot to the user's
        // sources and the best items would never be tried.
        var slope = coefficients[1] + 2 * Math.Sqrt(variance * spread[1]);
        var scale = 1 / Math.Clamp(slope, _options.BlendMinSegmentSlope, 1);
        for (var j = 0; j < served.Length; j++)
        {
            var k = 2 + j;
            // Served only once the coefficient is Policy:BlendServedMargin standard errors above 0: a coefficient that noise made positive,
            // multiplied by the scale and the affinity, would otherwise hold greedy slots the segment's best items need.
            var standardError = Math.Sqrt(variance * spread[k]);
            served[j] = Math.Max(0, scale * (coefficients[k] - _options.BlendServedMargin * standardError));
            // Without the Ucb bonus the selection score is the mean, so it takes the served weight.
            exploration[j] = !HasBonus
                ? served[j]
                : Math.Max(0, scale * coefficients[k] + optimism * Math.Sqrt(variance * Math.Log(1 + impressions) * spread[k]) - served[j]);
        }
        return statistics[^1];
    }

    /// <summary>The position of a blended source in <see cref="BlendedSources"/>, −1 for others.</summary>
    public static int BlendIndex(string source) => source switch
    {
        "similar" => 0,
        "content" => 1,
        _ => -1,
    };

    public void Score(QTable table, string segmentKey, ReadOnlySpan<string> candidates, Span<double> priorValues, Span<double> means, Span<double> selection)
    {
        var n = candidates.Length;
        var estimates = ArrayPool<CellEstimate>.Shared.Rent(n);
        var shelves = ArrayPool<double>.Shared.Rent(n);
        try
        {
            priors.Fill(segmentKey, candidates, priorValues, shelves.AsSpan(0, n), table);
            var span = estimates.AsSpan(0, n);
            table.Row(segmentKey).Estimate(candidates, priorValues, span, _rule);
            for (var i = 0; i < n; i++)
            {
                means[i] = span[i].Mean;
            }
            if (!HasBonus)
            {
                means[..n].CopyTo(selection);
                return;
            }
            var (variance, impressions) = Spread(table, segmentKey);
            var numerator = variance * Math.Log(1 + impressions);
            var level = Math.Max(priors.Level(segmentKey), 1e-6);
            for (var i = 0; i < n; i++)
            {
                // Rare rewards (clicks, purchases) have a variance about proportional to their rate: an item on a shelf
                // (category) that earns a tenth of the segment's level gets √10 less optimism, so the search starts on the
                // shelves that pay; an item's own mean above its shelf's restores it.
                var scale = Math.Clamp(Math.Max(means[i], shelves[i]) / level, 0.05, 20);
                selection[i] = means[i] + _options.Optimism * Math.Sqrt(numerator * scale / span[i].Weight);
            }
        }
        finally
        {
            ArrayPool<CellEstimate>.Shared.Return(estimates);
            ArrayPool<double>.Shared.Return(shelves);
        }
    }

    /// <summary>
    /// Under Ucb, keeps the optimism bonus to at most b = Policy:ExplorationSlots slots of a slate of
    /// <paramref name="count"/>: the candidates whose mean beats the (count − b + 1)-th best mean (at most count − b of
    /// them) get selection scores above every other candidate, in the order of their means, so they fill the first
    /// slots; the bonus competes for the rest. Without it, thousands of little-tried items each outbid a known good one
    /// and exploration takes most of the slate. A deterministic function of the scores, so propensities stay exact.
    /// </summary>
    public void ReserveGreedySlots(ReadOnlySpan<double> means, Span<double> selection, int count)
    {
        var n = means.Length;
        if (!HasBonus || n == 0)
        {
            return;
        }
        count = Math.Min(count, n);
        var greedy = count - _options.ExplorationSlots;
        if (greedy <= 0)
        {
            return;
        }
        var floor = greedy < n ? KthLargest(means, greedy + 1) : double.NegativeInfinity;
        var top = double.NegativeInfinity;
        var lowestReserved = double.PositiveInfinity;
        for (var i = 0; i < n; i++)
        {
            top = Math.Max(top, selection[i]);
            if (means[i] > floor)
            {
                lowestReserved = Math.Min(lowestReserved, means[i]);
            }
        }
        if (double.IsPositiveInfinity(lowestReserved))
        {
            return;
        }
        var offset = top - lowestReserved + 1;
        for (var i = 0; i < n; i++)
        {
            if (means[i] > floor)
            {
                selection[i] = means[i] + offset;
            }
        }
    }

    /// <summary>The k-th largest of <paramref name="values"/> (k ≥ 1), keeping the k largest so far in ascending order.</summary>
    public static double KthLargest(ReadOnlySpan<double> values, int k)
    {
        k = Math.Min(k, values.Length);
        if (k == 0)
        {
            return double.NegativeInfinity;
        }
        // A slate's worth, so most values fail the first comparison.
        Span<double> top = k <= 256 ? stackalloc double[k] : new double[k];
        var filled = 0;
        foreach (var v in values)
        {
            int i;
            if (filled < k)
            {
                i = filled++;
                while (i > 0 && top[i - 1] > v)
                {
                    top[i] = top[i - 1];
                    i--;
                }
            }
            else if (v <= top[0])
            {
                continue;
            }
            else
            {
                // Drop the smallest: the ones below v's place move down one.
                i = 0;
                while (i + 1 < k && top[i + 1] < v)
                {
                    top[i] = top[i + 1];
                    i++;
                }
            }
            top[i] = v;
        }
        return top[0];
    }

    /// <summary>The segment's reward variance per impression (shrunk towards the shop's) and its settled impressions.</summary>
    private (double Variance, double Impressions) Spread(QTable table, string segmentKey)
    {
        var all = table.Row(QTable.GlobalKey).Totals;
        // Before anything settled: rewards of about a click's size at the default rate, variance ≈ p · r_click².
        var level = Math.Max(Math.Abs(_options.DefaultPrior), 0.01) * Math.Max(_options.Rewards.Click * _options.Rewards.Click, 1);
        var shop = (all.Variance(0) * all.Impressions + ItemPriors.LevelImpressions * level) / (all.Impressions + ItemPriors.LevelImpressions);
        var own = table.TryGetRow(segmentKey, out var row) ? row.Totals : default;
        var variance = (own.Variance(0) * own.Impressions + ItemPriors.LevelImpressions * shop) / (own.Impressions + ItemPriors.LevelImpressions);
        // N_s counts what this replica has shown and not yet settled too, so the bonus grows with traffic, not with settling.
        return (Math.Max(variance, 1e-6), own.Impressions + (row?.PendingImpressions ?? 0) + 1);
    }
}

namespace SegmentService.Api.Policy;

/// <summary>
/// The blend's model in one segment: a ridge regression of a shown item's reward on its features
/// <code>  z = (1, b, x_similar, x_content),   r ≈ β · z  </code>
/// over every item the segment was shown, where b is the item's served value in the segment before the blend and x_src
/// the affinity the user's source gave it, relative to that source's typical proposal (0 when the source did not
/// propose it). β_src is then what a source's affinity adds to an item's expected reward once the segment's own value
/// is accounted for: learnt from every shown item (the segment's picks, exploration, the source's own), so a source
/// keeps being measured even while its weight is 0, and independent of the segment's level. The statistics are sums
/// (Σ z zᵀ, Σ z r), so the order outcomes arrive in does not matter.
/// </summary>
public static class BlendRegression
{
    /// <summary>Features logged per shown item: b, then one affinity per blended source.</summary>
    public static int FeatureCount => 1 + PolicyScorer.BlendedSources.Count;

    /// <summary>Dimension of z: the intercept and the features.</summary>
    public static int Dimension => 1 + FeatureCount;

    /// <summary>Length of a statistics vector: Σ z zᵀ (d × d), Σ z r (d), the number of impressions.</summary>
    public static int StatisticsLength => Dimension * Dimension + Dimension + 1;

    /// <summary>Adds <paramref name="impressions"/> impressions with features <paramref name="features"/> (b, x…) and <paramref name="reward"/> in all.</summary>
    public static void Add(Span<double> statistics, ReadOnlySpan<double> features, double impressions, double reward)
    {
        var d = Dimension;
        Span<double> z = stackalloc double[d];
        z[0] = 1;
        features.CopyTo(z[1..]);
        if (impressions != 0)
        {
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++)
                {
                    statistics[i * d + j] += impressions * z[i] * z[j];
                }
            }
            statistics[^1] += impressions;
        }
        if (reward != 0)
        {
            for (var i = 0; i < d; i++)
            {
                statistics[d * d + i] += reward * z[i];
            }
        }
    }

    /// <summary>
    /// Solves for β under a prior β₀ = (0, 1, 0, …) (the segment's value is right, sources add nothing) worth
    /// <paramref name="priorImpressions"/> impressions at b = <paramref name="level"/> and x = 1. Fills
    /// <paramref name="coefficients"/> with β and <paramref name="spread"/> with the diagonal of (λP + Σ z zᵀ)⁻¹, the
    /// variance of each coefficient per unit of reward variance.
    /// </summary>
    public static void Solve(ReadOnlySpan<double> statistics, double priorImpressions, double level, Span<double> coefficients, Span<double> spread)
    {
        var d = Dimension;
        Span<double> m = stackalloc double[d * d];
        Span<double> v = stackalloc double[d];
        statistics[..(d * d)].CopyTo(m);
        statistics.Slice(d * d, d).CopyTo(v);
        var bScale = Math.Max(level, 0.01);
        for (var i = 0; i < d; i++)
        {
            var precision = priorImpressions * (i == 1 ? bScale * bScale : 1);
            m[i * d + i] += precision;
            if (i == 1)
            {
                v[i] += precision;
            }
        }
        if (!Cholesky(m, d))
        {
            coefficients.Clear();
            coefficients[1] = 1;
            spread.Fill(1 / priorImpressions);
            return;
        }
        CholeskySolve(m, d, v, coefficients);
        Span<double> unit = stackalloc double[d];
        Span<double> column = stackalloc double[d];
        for (var i = 0; i < d; i++)
        {
            unit.Clear();
            unit[i] = 1;
            CholeskySolve(m, d, unit, column);
            spread[i] = Math.Max(column[i], 0);
        }
    }

    /// <summary>In place: the lower triangle of <paramref name="m"/> becomes L with L Lᵀ = m; false when m is not positive definite.</summary>
    private static bool Cholesky(Span<double> m, int d)
    {
        for (var j = 0; j < d; j++)
        {
            var diagonal = m[j * d + j];
            for (var k = 0; k < j; k++)
            {
                diagonal -= m[j * d + k] * m[j * d + k];
            }
            if (!(diagonal > 1e-12))
            {
                return false;
            }
            var pivot = Math.Sqrt(diagonal);
            m[j * d + j] = pivot;
            for (var i = j + 1; i < d; i++)
            {
                var sum = m[i * d + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= m[i * d + k] * m[j * d + k];
                }
                m[i * d + j] = sum / pivot;
            }
        }
        return true;
    }

    private static void CholeskySolve(ReadOnlySpan<double> l, int d, ReadOnlySpan<double> b, Span<double> x)
    {
        Span<double> y = stackalloc double[d];
        for (var i = 0; i < d; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[i * d + k] * y[k];
            }
            y[i] = sum / l[i * d + i];
        }
        for (var i = d - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < d; k++)
            {
                sum -= l[k * d + i] * x[k];
            }
            x[i] = sum / l[i * d + i];
        }
    }
}

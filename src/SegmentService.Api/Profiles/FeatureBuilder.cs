namespace SegmentService.Api.Profiles;

/// <summary>
/// Turns profiles into feature vectors: recency, decayed frequency and spend, average order value, smoothed
/// funnel rates, and shares of the top categories; then standardises them (z-scores).
/// </summary>
public static class FeatureBuilder
{
    /// <summary>Laplace smoothing: a user with no funnel events gets rates of 1/2, not 0/0.</summary>
    private const double Prior = 1.0;

    /// <summary>The N categories with the largest sum of per-user shares (each user counts once, whatever their volume).</summary>
    public static IReadOnlyList<string> TopCategories(ProfileTable table, int n)
    {
        var totals = new double[table.CategoryNames.Count];
        for (var row = 0; row < table.Count; row++)
        {
            var (start, end) = (table.CategoryStart[row], table.CategoryStart[row + 1]);
            double sum = 0;
            for (var j = start; j < end; j++)
            {
                sum += table.CategoryWeights[j];
            }
            if (sum <= 0)
            {
                continue;
            }
            for (var j = start; j < end; j++)
            {
                totals[table.CategoryIds[j]] += table.CategoryWeights[j] / sum;
            }
        }
        return [.. Enumerable.Range(0, totals.Length)
            .Where(i => totals[i] > 0)
            .OrderByDescending(i => totals[i]).ThenBy(i => table.CategoryNames[i], StringComparer.Ordinal)
            .Take(n)
            .Select(i => table.CategoryNames[i])];
    }

    /// <summary>Feature names in vector order for these top categories.</summary>
    public static IReadOnlyList<(string Name, FeatureTransform Transform)> Layout(IReadOnlyList<string> topCategories) =>
        [.. FeatureNames.Behaviour, .. topCategories.Select(c => (FeatureNames.SharePrefix + c, FeatureTransform.None))];

    /// <summary>Maps the table's category ids to vector positions (−1: not a feature).</summary>
    public static int[] CategoryColumns(ProfileTable table, IReadOnlyList<string> topCategories)
    {
        var columns = new int[table.CategoryNames.Count];
        Array.Fill(columns, -1);
        for (var i = 0; i < topCategories.Count; i++)
        {
            if (table.CategoryIdOf(topCategories[i]) is var id and >= 0)
            {
                columns[id] = FeatureNames.Behaviour.Count + i;
            }
        }
        return columns;
    }

    /// <summary>Writes row <paramref name="row"/>'s features in original units into <paramref name="raw"/>.</summary>
    public static void Raw(ProfileTable table, int row, int[] categoryColumns, Span<float> raw)
    {
        raw.Clear();
        double views = table.Views[row], clicks = table.Clicks[row], carts = table.Carts[row];
        double purchases = table.Purchases[row], spend = table.Spend[row];
        raw[0] = table.RecencyDays[row];
        raw[1] = (float)(views + clicks + carts + purchases);
        raw[2] = (float)purchases;
        raw[3] = (float)spend;
        raw[4] = purchases > 1e-6 ? (float)(spend / purchases) : 0f;
        raw[5] = (float)Math.Min(1, (clicks + Prior) / (views + 2 * Prior));
        raw[6] = (float)Math.Min(1, (purchases + Prior) / (clicks + 2 * Prior));
        raw[7] = (float)(1 - Math.Min(1, (purchases + Prior) / (carts + 2 * Prior)));
        var (start, end) = (table.CategoryStart[row], table.CategoryStart[row + 1]);
        double sum = 0;
        for (var j = start; j < end; j++)
        {
            sum += table.CategoryWeights[j];
        }
        if (sum <= 0)
        {
            return;
        }
        for (var j = start; j < end; j++)
        {
            if (categoryColumns[table.CategoryIds[j]] is var column and >= 0)
            {
                raw[column] = (float)(table.CategoryWeights[j] / sum);
            }
        }
    }

    public static float Transform(float value, FeatureTransform transform) =>
        transform == FeatureTransform.Log1P ? MathF.Log(1 + Math.Max(0, value)) : value;

    /// <summary>
    /// Transformed (not yet standardised) features of every row into a row-major n×d matrix, plus the fitted scaling.
    /// The standard deviation is floored (<see cref="FeatureNames.MinStdDev"/>), so a feature with no spread contributes
    /// 0 everywhere (not NaN) and one with a tiny spread does not drown the features that separate users.
    /// </summary>
    public static (float[] Matrix, FeatureSpec[] Specs) BuildStandardised(ProfileTable table, IReadOnlyList<string> topCategories)
    {
        var layout = Layout(topCategories);
        var d = layout.Count;
        var n = table.Count;
        var columns = CategoryColumns(table, topCategories);
        var matrix = new float[(long)n * d];
        var sums = new double[d];
        var squares = new double[d];
        Span<float> raw = stackalloc float[d];
        for (var row = 0; row < n; row++)
        {
            Raw(table, row, columns, raw);
            var offset = (long)row * d;
            for (var f = 0; f < d; f++)
            {
                var v = Transform(raw[f], layout[f].Transform);
                matrix[offset + f] = v;
                sums[f] += v;
                squares[f] += (double)v * v;
            }
        }
        var specs = new FeatureSpec[d];
        for (var f = 0; f < d; f++)
        {
            var mean = n > 0 ? sums[f] / n : 0;
            var variance = n > 0 ? Math.Max(0, squares[f] / n - mean * mean) : 0;
            var std = Math.Sqrt(variance);
            specs[f] = new FeatureSpec(layout[f].Name, layout[f].Transform, mean, Math.Max(std, FeatureNames.MinStdDev(layout[f].Transform)));
        }
        for (long i = 0; i < matrix.LongLength; i++)
        {
            var f = (int)(i % d);
            matrix[i] = (float)((matrix[i] - specs[f].Mean) / specs[f].StdDev);
        }
        return (matrix, specs);
    }

    /// <summary>Row <paramref name="row"/> standardised with a run's scaling (for live re-scoring).</summary>
    public static void Standardised(ProfileTable table, int row, IReadOnlyList<FeatureSpec> specs, int[] categoryColumns, Span<float> output)
    {
        Raw(table, row, categoryColumns, output);
        for (var f = 0; f < specs.Count; f++)
        {
            output[f] = (float)((Transform(output[f], specs[f].Transform) - specs[f].Mean) / specs[f].StdDev);
        }
    }

    /// <summary>The top categories a scaling was fitted with, from its share feature names.</summary>
    public static IReadOnlyList<string> CategoriesOf(IReadOnlyList<FeatureSpec> specs) =>
        [.. specs.Where(s => s.Name.StartsWith(FeatureNames.SharePrefix, StringComparison.Ordinal))
            .Select(s => s.Name[FeatureNames.SharePrefix.Length..])];
}

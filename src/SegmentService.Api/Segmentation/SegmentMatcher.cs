using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

/// <summary>A previous run's segment as the matcher needs it.</summary>
public sealed record PreviousSegment(string Key, string Label, float[] CentroidStd);

/// <summary>Carries segment keys over from the previous run by minimum-cost matching of centroids.</summary>
public static class SegmentMatcher
{
    /// <summary>
    /// Expresses a previous run's standardised centroid in the new run's standardised space, feature by name
    /// (a feature the previous run lacked counts as a raw 0, e.g. no share of a category that was not top-N then).
    /// </summary>
    public static float[] Rescale(float[] centroid, IReadOnlyList<FeatureSpec> from, IReadOnlyList<FeatureSpec> to)
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var f = 0; f < from.Count; f++)
        {
            byName[from[f].Name] = f;
        }
        var result = new float[to.Count];
        for (var f = 0; f < to.Count; f++)
        {
            var transformed = byName.TryGetValue(to[f].Name, out var old)
                ? centroid[old] * from[old].StdDev + from[old].Mean
                : 0;
            result[f] = (float)((transformed - to[f].Mean) / to[f].StdDev);
        }
        return result;
    }

    /// <summary>
    /// For each new centroid, the index of the previous centroid it takes the key of, or −1 (new segment).
    /// Hungarian matching on Euclidean distance capped at <paramref name="threshold"/>: pairs further apart are left
    /// unmatched, and the cap keeps one far pair's cost from deciding the others (uncapped, the minimum total
    /// could hand a near pair's old key to a farther neighbour just to make a hopeless pair a little cheaper).
    /// </summary>
    public static int[] Match(IReadOnlyList<float[]> current, IReadOnlyList<float[]> previous, double threshold)
    {
        var distance = new double[current.Count, previous.Count];
        var cost = new double[current.Count, previous.Count];
        for (var i = 0; i < current.Count; i++)
        {
            for (var j = 0; j < previous.Count; j++)
            {
                distance[i, j] = Math.Sqrt(ClusterMath.SquaredDistance(current[i], previous[j]));
                cost[i, j] = Math.Min(distance[i, j], threshold);
            }
        }
        var assignment = Hungarian.Solve(cost);
        for (var i = 0; i < assignment.Length; i++)
        {
            if (assignment[i] >= 0 && distance[i, assignment[i]] > threshold)
            {
                assignment[i] = -1;
            }
        }
        return assignment;
    }
}

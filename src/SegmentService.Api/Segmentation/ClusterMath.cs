namespace SegmentService.Api.Segmentation;

/// <summary>Nearest-centroid assignment and cluster quality indices over a row-major n×d matrix.</summary>
public static class ClusterMath
{
    public static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var diff = a[i] - b[i];
            sum += diff * diff;
        }
        return sum;
    }

    /// <summary>Index of the nearest centroid and the distance to it.</summary>
    public static (int Index, float Distance) Nearest(ReadOnlySpan<float> point, IReadOnlyList<float[]> centroids)
    {
        var best = -1;
        var bestDistance = float.PositiveInfinity;
        for (var c = 0; c < centroids.Count; c++)
        {
            var distance = SquaredDistance(point, centroids[c]);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (c, distance);
            }
        }
        return (best, MathF.Sqrt(bestDistance));
    }

    /// <summary>Assigns every row to its nearest centroid (in parallel); returns labels and distances.</summary>
    public static (int[] Labels, float[] Distances) AssignAll(float[] matrix, int d, IReadOnlyList<float[]> centroids)
    {
        var n = matrix.Length / d;
        var labels = new int[n];
        var distances = new float[n];
        Parallel.For(0, (n + 4095) / 4096, block =>
        {
            var end = Math.Min(n, (block + 1) * 4096);
            for (var row = block * 4096; row < end; row++)
            {
                (labels[row], distances[row]) = Nearest(matrix.AsSpan(row * d, d), centroids);
            }
        });
        return (labels, distances);
    }

    /// <summary>Mean silhouette of the given rows (quadratic: pass a sample).</summary>
    public static double Silhouette(float[] matrix, int d, IReadOnlyList<int> rows, int[] labels, int k)
    {
        if (k < 2 || rows.Count < 2)
        {
            return 0;
        }
        double total = 0;
        var sums = new double[k];
        var counts = new int[k];
        foreach (var i in rows)
        {
            counts[labels[i]]++;
        }
        foreach (var i in rows)
        {
            Array.Clear(sums);
            var point = matrix.AsSpan(i * d, d);
            foreach (var j in rows)
            {
                if (j != i)
                {
                    sums[labels[j]] += MathF.Sqrt(SquaredDistance(point, matrix.AsSpan(j * d, d)));
                }
            }
            var own = labels[i];
            if (counts[own] <= 1)
            {
                continue; // silhouette of a singleton is 0 by convention
            }
            var a = sums[own] / (counts[own] - 1);
            var b = double.PositiveInfinity;
            for (var c = 0; c < k; c++)
            {
                if (c != own && counts[c] > 0)
                {
                    b = Math.Min(b, sums[c] / counts[c]);
                }
            }
            if (double.IsFinite(b) && Math.Max(a, b) > 0)
            {
                total += (b - a) / Math.Max(a, b);
            }
        }
        return total / rows.Count;
    }

    /// <summary>Davies–Bouldin index (lower is better) of all rows against their centroids.</summary>
    public static double DaviesBouldin(float[] matrix, int d, int[] labels, IReadOnlyList<float[]> centroids)
    {
        var k = centroids.Count;
        var scatter = new double[k];
        var counts = new int[k];
        for (var i = 0; i < labels.Length; i++)
        {
            scatter[labels[i]] += MathF.Sqrt(SquaredDistance(matrix.AsSpan(i * d, d), centroids[labels[i]]));
            counts[labels[i]]++;
        }
        for (var c = 0; c < k; c++)
        {
            scatter[c] = counts[c] > 0 ? scatter[c] / counts[c] : 0;
        }
        double total = 0;
        var used = 0;
        for (var a = 0; a < k; a++)
        {
            if (counts[a] == 0)
            {
                continue;
            }
            used++;
            double worst = 0;
            for (var b = 0; b < k; b++)
            {
                if (b != a && counts[b] > 0)
                {
                    var separation = MathF.Sqrt(SquaredDistance(centroids[a], centroids[b]));
                    worst = Math.Max(worst, separation > 0 ? (scatter[a] + scatter[b]) / separation : double.MaxValue);
                }
            }
            total += worst;
        }
        return used > 0 ? total / used : 0;
    }

    /// <summary>Sum of squared distances to the assigned centroid, per row.</summary>
    public static double Inertia(float[] distances)
    {
        double sum = 0;
        foreach (var distance in distances)
        {
            sum += (double)distance * distance;
        }
        return distances.Length > 0 ? sum / distances.Length : 0;
    }
}

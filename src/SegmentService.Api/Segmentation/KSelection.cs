namespace SegmentService.Api.Segmentation;

/// <summary>Chooses K from a range by the silhouette of seeded fits on a sample, keeping every K's scores.</summary>
public static class KSelection
{
    /// <summary>
    /// The sample K is chosen on has its z-scores clipped at ±this: a few extreme users (one huge spender, a burst of
    /// views) would otherwise sit so far out that the silhouette prefers "them against everyone" to the shop's real
    /// groups (a planted shop of 4 taste groups came out as K = 2). The final fit uses the unclipped features.
    /// </summary>
    public const float MaxZ = 3;

    /// <summary>K and the scores of every K tried (none when the range is a single K).</summary>
    public static (int K, List<KScore> Scores) Choose(float[] sample, int d, int[] silhouetteRows, int kMin, int kMax, int seed)
    {
        var scores = new List<KScore>();
        if (kMax <= kMin)
        {
            return (kMin, scores);
        }
        sample = Array.ConvertAll(sample, z => Math.Clamp(z, -MaxZ, MaxZ));
        var k = kMin;
        var best = double.NegativeInfinity;
        for (var candidate = kMin; candidate <= Math.Min(kMax, sample.Length / d - 1); candidate++)
        {
            var trial = KMeansFitter.FitBest(sample, d, candidate, seed, withModel: false);
            var (labels, distances) = ClusterMath.AssignAll(sample, d, trial.Centroids);
            var score = new KScore(candidate,
                ClusterMath.Silhouette(sample, d, silhouetteRows, labels, trial.Centroids.Length),
                ClusterMath.DaviesBouldin(sample, d, labels, trial.Centroids),
                ClusterMath.Inertia(distances));
            scores.Add(score);
            // Ties go to the smaller K.
            if (score.Silhouette > best + 1e-9)
            {
                (best, k) = (score.Silhouette, candidate);
            }
        }
        return (k, scores);
    }

    /// <summary>A seeded sample of rows copied into their own matrix (the matrix itself when it has few rows).</summary>
    public static float[] Sample(float[] matrix, int d, int n, int size, int seed)
    {
        if (n <= size)
        {
            return matrix;
        }
        var indices = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(indices);
        var sample = new float[size * d];
        for (var i = 0; i < size; i++)
        {
            Array.Copy(matrix, (long)indices[i] * d, sample, (long)i * d, d);
        }
        return sample;
    }

    /// <summary>
    /// <paramref name="size"/> distinct rows of <paramref name="n"/> drawn at random (seeded, sorted), or every row when
    /// there are no more: rows come in user-id order, so the first ones would be a biased sample.
    /// </summary>
    public static int[] SilhouetteRows(int n, int size, int seed)
    {
        var indices = Enumerable.Range(0, n).ToArray();
        if (n <= size)
        {
            return indices;
        }
        // A stream of its own: the same seed also drew the K-selection sample.
        var random = new Random(unchecked(seed * 7919 + 17));
        for (var i = 0; i < size; i++)
        {
            var j = random.Next(i, n);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        var rows = indices[..size];
        Array.Sort(rows);
        return rows;
    }
}

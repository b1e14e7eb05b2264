using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace SegmentService.Api.Segmentation;

/// <summary>A trained K-means model: its centroids (standardised units) and the ML.NET model bytes.</summary>
public sealed record KMeansFit(float[][] Centroids, byte[] Model);

/// <summary>Fits ML.NET's <see cref="KMeansTrainer"/> on a row-major matrix with a fixed seed.</summary>
public static class KMeansFitter
{
    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    /// <summary>Below this many rows a fit is restarted from other seeds and the lowest inertia kept (K-means has local optima).</summary>
    public const int RestartBelowRows = 200_000;

    public const int Restarts = 3;

    public static KMeansFit FitBest(float[] matrix, int d, int k, int seed, bool withModel)
    {
        var n = matrix.Length / d;
        var best = Fit(matrix, d, null, k, seed, withModel);
        if (n >= RestartBelowRows)
        {
            return best;
        }
        var bestInertia = ClusterMath.Inertia(ClusterMath.AssignAll(matrix, d, best.Centroids).Distances);
        for (var restart = 1; restart < Restarts; restart++)
        {
            var candidate = Fit(matrix, d, null, k, seed + restart, withModel);
            var inertia = ClusterMath.Inertia(ClusterMath.AssignAll(matrix, d, candidate.Centroids).Distances);
            if (inertia < bestInertia - 1e-9)
            {
                (best, bestInertia) = (candidate, inertia);
            }
        }
        return best;
    }

    public static KMeansFit Fit(float[] matrix, int d, IReadOnlyList<int>? rows, int k, int seed, bool withModel)
    {
        var n = rows?.Count ?? matrix.Length / d;
        var context = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var data = context.Data.Cache(context.Data.LoadFromEnumerable(Enumerate(matrix, d, rows, n), schema));
        var trainer = context.Clustering.Trainers.KMeans(new KMeansTrainer.Options
        {
            FeatureColumnName = nameof(Row.Features),
            NumberOfClusters = k,
            InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
            // One thread keeps small fits bit-for-bit reproducible; large ones are worth the parallelism.
            NumberOfThreads = n < 50_000 ? 1 : null,
            MaximumNumberOfIterations = 200,
        });
        var model = trainer.Fit(data);
        VBuffer<float>[] centroids = [];
        model.Model.GetClusterCentroids(ref centroids, out var found);
        var result = new float[found][];
        for (var c = 0; c < found; c++)
        {
            result[c] = new float[d];
            centroids[c].CopyTo(result[c]);
        }
        byte[] bytes = [];
        if (withModel)
        {
            using var stream = new MemoryStream();
            context.Model.Save(model, data.Schema, stream);
            bytes = stream.ToArray();
        }
        return new KMeansFit(result, bytes);
    }

    // One row object reused: ML.NET copies the vector out before it asks for the next row.
    private static IEnumerable<Row> Enumerate(float[] matrix, int d, IReadOnlyList<int>? rows, int n)
    {
        var row = new Row { Features = new float[d] };
        for (var i = 0; i < n; i++)
        {
            var source = rows?[i] ?? i;
            Array.Copy(matrix, (long)source * d, row.Features, 0, d);
            yield return row;
        }
    }
}

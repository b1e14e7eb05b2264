using SegmentService.Api.Profiles;
using SegmentService.Api.Segmentation;

namespace SegmentService.Tests.Segmentation;

public sealed class FeatureTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private const double Day = 86400;

    private static ProfileTable Table(params (string User, double Views, double Clicks, double Carts, double Purchases, double Spend, string[] Cats, float[] Weights)[] rows)
    {
        var table = new ProfileTable();
        foreach (var r in rows)
        {
            table.Add(r.User, Now.AddDays(-2), Now, Now, Day, r.Views, r.Clicks, r.Carts, r.Purchases, r.Spend, r.Cats, r.Weights);
        }
        return table;
    }

    [Fact]
    public void RawFeaturesAreRecencyDecayedCountsSmoothedFunnelAndShares()
    {
        var table = Table(("a", 8, 4, 2, 1, 30, ["shoes", "books"], [3, 1]));
        var top = FeatureBuilder.TopCategories(table, 1);
        var raw = new float[9];

        FeatureBuilder.Raw(table, 0, FeatureBuilder.CategoryColumns(table, top), raw);

        Assert.Equal(["shoes"], top);
        Assert.Equal(2, raw[0], 4);             // days since last seen
        Assert.Equal(15, raw[1], 4);            // events
        Assert.Equal(1, raw[2], 4);             // purchases
        Assert.Equal(30, raw[3], 4);            // spend
        Assert.Equal(30, raw[4], 4);            // average order value
        Assert.Equal(5f / 10, raw[5], 4);       // (clicks + 1) / (views + 2)
        Assert.Equal(2f / 6, raw[6], 4);        // (purchases + 1) / (clicks + 2)
        Assert.Equal(1 - 2f / 4, raw[7], 4);    // 1 − (purchases + 1) / (carts + 2)
        Assert.Equal(0.75f, raw[8], 4);         // share of shoes
    }

    [Fact]
    public void DecayHalvesValuesEveryHalfLife()
    {
        var table = new ProfileTable();
        table.Add("a", Now, Now.AddDays(-2), Now, Day, 4, 0, 0, 0, 0, [], []);
        Assert.Equal(1, table.Views[0], 5);
    }

    [Fact]
    public void StandardisingCentresFeaturesAndFloorsTinySpreads()
    {
        var table = Table(
            ("a", 10, 1, 0, 1, 10, ["shoes"], [1]),
            ("b", 10, 1, 0, 1, 1000, ["books"], [1]));
        var (matrix, specs) = FeatureBuilder.BuildStandardised(table, ["shoes", "books"]);
        var d = specs.Length;

        var spend = specs.ToList().FindIndex(s => s.Name == FeatureNames.Spend);
        Assert.Equal(-matrix[spend], matrix[d + spend], 4);
        Assert.Equal(1, Math.Abs(matrix[spend]), 4);
        Assert.Equal(0.5, specs[1].StdDev); // events identical: the log1p floor, not 0
        Assert.Equal(0, matrix[1]);
    }

    [Fact]
    public void LabelNamesTheStrongestFeaturesInFeatureOrder()
    {
        FeatureSpec[] specs = [.. FeatureBuilder.Layout(["shoes", "books"]).Select(l => new FeatureSpec(l.Name, l.Transform, 0, 1))];
        var centroid = new float[specs.Length];
        centroid[0] = -1.2f;  // recent
        centroid[3] = 2f;     // high spend
        centroid[8] = 3f;     // shoes
        centroid[9] = -2.5f;  // not books: never named
        centroid[5] = 0.3f;   // not distinctive
        Assert.Equal("recent, high spend, shoes", SegmentLabeler.Label(specs, centroid));
    }

    [Fact]
    public void RescalingBetweenRunsMapsByFeatureName()
    {
        FeatureSpec[] from = [new("spend", FeatureTransform.Log1P, 2, 1), new("share:shoes", FeatureTransform.None, 0.5, 0.25)];
        FeatureSpec[] to = [new("share:shoes", FeatureTransform.None, 0.25, 0.5), new("spend", FeatureTransform.Log1P, 3, 2), new("share:toys", FeatureTransform.None, 0.2, 0.4)];
        var mapped = SegmentMatcher.Rescale([1, 2], from, to);
        Assert.Equal([1.5f, 0f, -0.5f], mapped);
    }

    [Fact]
    public void SilhouetteIsNearOneForSeparatedClustersAndDaviesBouldinSmall()
    {
        float[] matrix = [0, 0, 0, 1, 10, 10, 10, 11];
        int[] labels = [0, 0, 1, 1];
        float[][] centroids = [[0, 0.5f], [10, 10.5f]];
        Assert.True(ClusterMath.Silhouette(matrix, 2, [0, 1, 2, 3], labels, 2) > 0.9);
        Assert.True(ClusterMath.DaviesBouldin(matrix, 2, labels, centroids) < 0.1);
    }

    [Fact]
    public void KMeansWithAFixedSeedFindsPlantedBlobsReproducibly()
    {
        var random = new Random(3);
        var matrix = new float[300 * 2];
        for (var i = 0; i < 300; i++)
        {
            matrix[2 * i] = (i % 3) * 10 + (float)random.NextDouble();
            matrix[2 * i + 1] = (float)random.NextDouble();
        }
        var first = KMeansFitter.FitBest(matrix, 2, 3, seed: 42, withModel: true);
        var again = KMeansFitter.FitBest(matrix, 2, 3, seed: 42, withModel: false);

        Assert.Equal(first.Centroids.Select(c => c[0]), again.Centroids.Select(c => c[0]));
        var xs = first.Centroids.Select(c => c[0]).Order().ToArray();
        for (var c = 0; c < 3; c++)
        {
            Assert.InRange(xs[c], c * 10 + 0.3, c * 10 + 0.7);
        }
        Assert.NotEmpty(first.Model);
    }

    [Fact]
    public void UsersNewToTheRunComeFromColdStart()
    {
        var previous = new RunState(1, Now, ["seg-1"], ["x"], [[0f]], [new FeatureSpec("f", FeatureTransform.None, 0, 1)],
            new Dictionary<string, int> { ["a"] = 0 });
        var transitions = SegmentationRunner.Transitions(["a", "b"], [0, 0], ["seg-2"], previous, "cold-start");
        Assert.Equal([new SegmentTransition("cold-start", "seg-2", 1), new SegmentTransition("seg-1", "seg-2", 1)], transitions);
    }
}

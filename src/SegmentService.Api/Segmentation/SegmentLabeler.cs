using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

/// <summary>Names a segment by its most distinctive features against the population (z-scores of its centroid).</summary>
public static class SegmentLabeler
{
    private const double Distinctive = 0.5;
    private const int MaxParts = 3;

    public static string Label(IReadOnlyList<FeatureSpec> specs, ReadOnlySpan<float> centroidStd)
    {
        var parts = new List<(int Feature, double Strength, string Word)>();
        for (var f = 0; f < specs.Count; f++)
        {
            var z = centroidStd[f];
            if (Math.Abs(z) >= Distinctive && Word(specs[f].Name, z) is { } word)
            {
                parts.Add((f, Math.Abs(z), word));
            }
        }
        if (parts.Count == 0)
        {
            return "typical";
        }
        // The strongest features, read in the fixed feature order ("recent, high spend, shoes").
        return string.Join(", ", parts.OrderByDescending(p => p.Strength).Take(MaxParts).OrderBy(p => p.Feature).Select(p => p.Word));
    }

    private static string? Word(string feature, float z) => feature switch
    {
        FeatureNames.RecencyDays => z < 0 ? "recent" : "lapsed",
        FeatureNames.Events => z > 0 ? "frequent" : "occasional",
        FeatureNames.Purchases => z > 0 ? "many orders" : "few orders",
        FeatureNames.Spend => z > 0 ? "high spend" : "low spend",
        FeatureNames.AvgOrderValue => z > 0 ? "big baskets" : "small baskets",
        FeatureNames.ViewToClick => z > 0 ? "clicks through" : "browses",
        FeatureNames.ClickToPurchase => z > 0 ? "converts" : "rarely buys",
        FeatureNames.CartAbandonment => z > 0 ? "abandons carts" : "completes carts",
        _ when feature.StartsWith(FeatureNames.SharePrefix, StringComparison.Ordinal) && z > 0 => feature[FeatureNames.SharePrefix.Length..],
        _ => null,
    };
}

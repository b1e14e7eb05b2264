namespace SegmentService.Api.Profiles;

/// <summary>How a feature is transformed before standardising (heavy-tailed counts and money get log1p).</summary>
public enum FeatureTransform
{
    None,
    Log1P,
}

/// <summary>One feature of the vector, with the scaling a run fitted (on the transformed value).</summary>
public sealed record FeatureSpec(string Name, FeatureTransform Transform, double Mean, double StdDev);

/// <summary>The feature names in vector order. The fixed behaviour features come first, then one share per top category.</summary>
public static class FeatureNames
{
    public const string RecencyDays = "recencyDays";
    public const string Events = "events";
    public const string Purchases = "purchases";
    public const string Spend = "spend";
    public const string AvgOrderValue = "avgOrderValue";
    public const string ViewToClick = "viewToClick";
    public const string ClickToPurchase = "clickToPurchase";
    public const string CartAbandonment = "cartAbandonment";
    public const string SharePrefix = "share:";

    /// <summary>
    /// The smallest standard deviation a feature is scaled by: z-scoring a nearly constant feature would blow its
    /// noise up to the weight of a real difference (a log1p unit of 0.5 is ×1.65; a rate or share of 0.1 is 10 points).
    /// </summary>
    public static double MinStdDev(FeatureTransform transform) => transform == FeatureTransform.Log1P ? 0.5 : 0.1;

    public static readonly IReadOnlyList<(string Name, FeatureTransform Transform)> Behaviour =
    [
        (RecencyDays, FeatureTransform.Log1P),
        (Events, FeatureTransform.Log1P),
        (Purchases, FeatureTransform.Log1P),
        (Spend, FeatureTransform.Log1P),
        (AvgOrderValue, FeatureTransform.Log1P),
        (ViewToClick, FeatureTransform.None),
        (ClickToPurchase, FeatureTransform.None),
        (CartAbandonment, FeatureTransform.None),
    ];
}

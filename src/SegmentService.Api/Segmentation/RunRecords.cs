using System.Text.Json;
using System.Text.Json.Serialization;
using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

/// <summary>The score of one K tried when K is chosen from a range (on a sample).</summary>
public sealed record KScore(int K, double Silhouette, double DaviesBouldin, double MeanSquaredDistance);

/// <summary>Quality and cost of a run, stored as jsonb and shown on the run's GET.</summary>
public sealed record RunMetrics(
    string KSelection,
    double Silhouette,
    double DaviesBouldin,
    double MeanSquaredDistance,
    int MatchedSegments,
    int NewSegments,
    IReadOnlyList<KScore> KScores,
    IReadOnlyDictionary<string, long> TimingsMs);

/// <summary>One segment found by a run, ready to store.</summary>
public sealed record SegmentResult(
    string Key, string Label, int Size, float[] CentroidStd, IReadOnlyDictionary<string, double> Centroid, string? MatchedFrom);

/// <summary>Everything a succeeded run stores.</summary>
public sealed record RunOutcome(
    long RunId,
    long? PreviousRunId,
    IReadOnlyList<FeatureSpec> Specs,
    RunMetrics Metrics,
    IReadOnlyList<SegmentTransition> Transitions,
    byte[] Model,
    IReadOnlyList<SegmentResult> Segments,
    IReadOnlyList<string> UserIds,
    int[] Labels,
    float[] Distances,
    DateTimeOffset FinishedAt);

public static class RunJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;
}

using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

/// <summary>A segment of the run in force.</summary>
/// <param name="Key">Stable key: kept across runs while the centroid matches. <example>seg-3</example></param>
/// <param name="Label">Readable summary of its most distinctive features. <example>recent, high spend, shoes</example></param>
/// <param name="Size">Users the run assigned to it.</param>
/// <param name="Centroid">Feature name → member mean in original units (days, counts, money, rates, shares).</param>
/// <param name="TopItems">Items its members engaged with most (view 1, click 2, cart 3, purchase 5).</param>
/// <param name="MatchedFrom">The previous run's key it was matched to, if any.</param>
/// <param name="RunId">The run that found it.</param>
public sealed record SegmentResponse(
    string Key, string Label, int Size, IReadOnlyDictionary<string, double> Centroid, IReadOnlyList<string> TopItems,
    string? MatchedFrom, long RunId);

/// <summary>A segment's key and readable label.</summary>
public sealed record SegmentRef
{
    /// <summary>Stable across runs while the segment's centroid matches.</summary>
    /// <example>seg-3</example>
    public required string Key { get; init; }

    /// <summary>Its most distinctive features.</summary>
    /// <example>recent, high spend, shoes</example>
    public required string Label { get; init; }
}

/// <summary>The segment a user is in now.</summary>
/// <param name="UserId">The user. <example>u42</example></param>
/// <param name="Segment">Key and label; the cold-start segment for a user no run or live move has placed.</param>
/// <param name="AssignedAt">When the run finished or the live move happened; null for cold start.</param>
/// <param name="Source">run, live or cold-start. <example>live</example></param>
/// <param name="RunId">The run in force, if any.</param>
public sealed record UserSegmentResponse(string UserId, SegmentRef Segment, DateTimeOffset? AssignedAt, string Source, long? RunId);

/// <summary>A triggered run.</summary>
/// <param name="RunId">The run started, or the one already running. <example>5</example></param>
/// <param name="Started">False when the trigger joined a run already in progress.</param>
public sealed record RunStartedResponse(long RunId, bool Started);

/// <summary>A segmentation run.</summary>
/// <param name="RunId">Its id. <example>5</example></param>
/// <param name="Status">running, succeeded, failed or skipped (too few users). <example>succeeded</example></param>
/// <param name="Trigger">schedule, manual or demo (the first run after demo data is seeded).</param>
/// <param name="K">Number of segments.</param>
/// <param name="Users">Users clustered (or found, for a skipped run).</param>
/// <param name="Metrics">Silhouette, Davies–Bouldin, the score of every K tried, timings.</param>
/// <param name="Features">Feature names in vector order with the scaling used (transform, mean, stdDev).</param>
/// <param name="Transitions">Users moved from each old key to each new key (new users come from the cold-start key).</param>
/// <param name="Segments">The run's segments (on the single-run GET only).</param>
/// <param name="PreviousRunId">The run in force when this one started.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it ended, if it has.</param>
/// <param name="Error">Why it failed or was skipped.</param>
public sealed record RunResponse(
    long RunId, string Status, string Trigger, int? K, int? Users, RunMetrics? Metrics, IReadOnlyList<FeatureSpec>? Features,
    IReadOnlyList<SegmentTransition>? Transitions, IReadOnlyList<SegmentResponse>? Segments, long? PreviousRunId,
    DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error);

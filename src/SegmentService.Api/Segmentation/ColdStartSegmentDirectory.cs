namespace SegmentService.Api.Segmentation;

/// <summary>
/// Placeholder until segmentation (issue 3) lands: everyone is in the cold-start segment.
/// Registered with TryAdd, so the real directory replaces it; delete this file at that merge.
/// </summary>
public sealed class ColdStartSegmentDirectory : ISegmentDirectory
{
    public const string ColdStartKey = "cold-start";
    public const string ColdStartLabel = "new visitors";

    public long? CurrentRunId => null;

    public SegmentAssignment Resolve(string userId) =>
        new(userId, ColdStartKey, ColdStartLabel, null, null, AssignmentSource.ColdStart);
}

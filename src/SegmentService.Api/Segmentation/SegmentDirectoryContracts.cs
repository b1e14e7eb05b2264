namespace SegmentService.Api.Segmentation;

/// <summary>How a user came to be in their segment.</summary>
public enum AssignmentSource
{
    /// <summary>Unknown to the run in force: the configured cold-start segment.</summary>
    ColdStart,
    /// <summary>Assigned by a segmentation run.</summary>
    Run,
    /// <summary>Moved between runs because their profile changed.</summary>
    Live,
}

/// <summary>The segment a user is in now.</summary>
public sealed record SegmentAssignment(
    string UserId,
    string SegmentKey,
    string Label,
    long? RunId,
    DateTimeOffset? AssignedAt,
    AssignmentSource Source);

/// <summary>
/// Where /recommend and feedback look up a user's current segment. Answers from memory (it is called on
/// every request); an unknown user gets the cold-start segment.
/// </summary>
public interface ISegmentDirectory
{
    SegmentAssignment Resolve(string userId);

    /// <summary>The run in force; null before the first successful run.</summary>
    long? CurrentRunId { get; }
}

/// <summary>How many users moved from one segment key to another between two runs.</summary>
public readonly record struct SegmentTransition(string FromKey, string ToKey, int Users);

/// <summary>A segmentation run that has just come into force on this replica.</summary>
public sealed record SegmentationRunCommitted(
    long RunId,
    long? PreviousRunId,
    IReadOnlyList<string> SegmentKeys,
    IReadOnlyList<SegmentTransition> Transitions);

/// <summary>Told, on every replica, when a new segmentation run comes into force (the policy carries Q-rows over).</summary>
public interface ISegmentationListener
{
    Task OnRunCommittedAsync(SegmentationRunCommitted run, CancellationToken cancellationToken);
}

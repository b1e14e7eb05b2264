using System.ComponentModel.DataAnnotations;

namespace SegmentService.Api.Policy;

/// <summary>
/// How long the outcome log and the policy snapshots are kept (section "Retention"). Behaviour events are not pruned:
/// they are the source every profile, prior and segmentation run is computed from.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Whether the background pruning runs at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often old rows are pruned.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Retention:Interval must be from 1 second to 7 days.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Impressions (with their feedback) older than this are deleted, but never one the latest snapshot has not settled:
    /// a restart replays everything after that snapshot. Evaluation can look back this far.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00", ErrorMessage = "Retention:OutcomeAge must be from 1 hour to 3650 days.")]
    public TimeSpan OutcomeAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>The latest snapshots always kept, whatever their age.</summary>
    [Range(1, 100_000, ErrorMessage = "Retention:KeepSnapshots must be from 1 to 100000.")]
    public int KeepSnapshots { get; set; } = 50;

    /// <summary>
    /// Snapshots older than this are thinned to the last one of each UTC day; those older than Retention:OutcomeAge are
    /// deleted except the last one taken by then (the table evaluation starts from at the oldest kept impression).
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00", ErrorMessage = "Retention:SnapshotAge must be from 1 hour to 3650 days.")]
    public TimeSpan SnapshotAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Most rows one DELETE removes (each batch is its own short transaction).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Retention:BatchSize must be from 1 to 1000000.")]
    public int BatchSize { get; set; } = 5000;
}

using System.ComponentModel.DataAnnotations;

namespace SegmentService.Api.Profiles;

public sealed class ProfileOptions
{
    public const string Section = "Profiles";

    /// <summary>Half-life of the decayed counters: an event this old counts half as much as a new one.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Update profiles in the event insert. Off only to measure what profiles cost (bench/README.md); segmentation needs them.</summary>
    public bool Enabled { get; set; } = true;
}

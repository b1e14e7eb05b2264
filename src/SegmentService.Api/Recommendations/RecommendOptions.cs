using System.ComponentModel.DataAnnotations;

namespace SegmentService.Api.Recommendations;

/// <summary>/recommend settings (section "Recommend"); checked at start-up.</summary>
public sealed class RecommendOptions
{
    public const string Section = "Recommend";

    /// <summary>Leave out items the user bought.</summary>
    public bool ExcludePurchased { get; set; } = true;

    [Range(1, 1000, ErrorMessage = "Recommend:MaxExclude must be from 1 to 1000.")]
    public int MaxExclude { get; set; } = 100;

    /// <summary>How often the in-memory catalogue is reloaded (this replica's own upserts apply at once).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Recommend:CatalogRefreshInterval must be from 1 second to 1 day.")]
    public TimeSpan CatalogRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many candidates each of the user's own sources (similar, content) may propose per request.</summary>
    [Range(0, 500, ErrorMessage = "Recommend:UserCandidates must be from 0 to 500.")]
    public int UserCandidates { get; set; } = 50;
}

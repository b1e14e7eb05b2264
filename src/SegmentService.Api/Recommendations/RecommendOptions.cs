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

    /// <summary>Users whose purchases are held in memory; past it the eighth whose last purchase is oldest are forgotten.</summary>
    [Range(1, 100_000_000, ErrorMessage = "Recommend:MaxPurchaseUsers must be from 1 to 100000000.")]
    public int MaxPurchaseUsers { get; set; } = 1_000_000;

    /// <summary>Purchases held per user, the most recent; an older one past it is forgotten (and may be recommended again).</summary>
    [Range(1, 10_000, ErrorMessage = "Recommend:MaxPurchasesPerUser must be from 1 to 10000.")]
    public int MaxPurchasesPerUser { get; set; } = 100;

    /// <summary>How often the in-memory catalogue is reloaded (this replica's own upserts apply at once).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Recommend:CatalogRefreshInterval must be from 1 second to 1 day.")]
    public TimeSpan CatalogRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many candidates each of the user's own sources (similar, content) may propose per request.</summary>
    [Range(0, 500, ErrorMessage = "Recommend:UserCandidates must be from 0 to 500.")]
    public int UserCandidates { get; set; } = 50;

    /// <summary>
    /// A catalogue part (all in-stock items, or a category's) up to this size is scored whole on every request; a
    /// larger one through the segment's shortlist plus the user's own candidates, with ε-exploration over all of it.
    /// </summary>
    [Range(10, 1_000_000, ErrorMessage = "Recommend:FullScanLimit must be from 10 to 1000000.")]
    public int FullScanLimit { get; set; } = 1000;

    /// <summary>Items on a segment's shortlist by selection score (mean plus the optimism bonus).</summary>
    [Range(10, 10_000, ErrorMessage = "Recommend:ShortlistSize must be from 10 to 10000.")]
    public int ShortlistSize { get; set; } = 200;

    /// <summary>Items added to a segment's shortlist by mean alone (the best it has learnt, whatever their bonus).</summary>
    [Range(0, 10_000, ErrorMessage = "Recommend:ShortlistByMean must be from 0 to 10000.")]
    public int ShortlistByMean { get; set; } = 50;

    /// <summary>Requests a shortlist serves before it is rebuilt in the background (also rebuilt when the catalogue changes).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Recommend:ShortlistRefreshRequests must be from 1 to 1000000.")]
    public int ShortlistRefreshRequests { get; set; } = 64;
}

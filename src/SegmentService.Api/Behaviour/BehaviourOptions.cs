using System.ComponentModel.DataAnnotations;
using SegmentService.Api.Events;

namespace SegmentService.Api.Behaviour;

/// <summary>
/// Item-to-item CF and content matching (section "Behaviour"). Every size here bounds memory:
/// users × <see cref="RecentItemsPerUser"/> trail entries, items × <see cref="MaxPairsPerItem"/> co-occurrence pairs.
/// </summary>
public sealed class BehaviourOptions : IValidatableObject
{
    public const string Section = "Behaviour";

    /// <summary>Neighbours kept per item, best cosine first.</summary>
    [Range(1, 500, ErrorMessage = "Behaviour:Neighbours must be from 1 to 500.")]
    public int Neighbours { get; set; } = 50;

    /// <summary>Co-occurrence partners kept per item: a row that reaches twice this is cut back to its strongest this many.</summary>
    [Range(10, 100_000, ErrorMessage = "Behaviour:MaxPairsPerItem must be from 10 to 100000.")]
    public int MaxPairsPerItem { get; set; } = 300;

    /// <summary>A user's recent distinct items: the window co-occurrence is counted in, and what similar items are drawn from.</summary>
    [Range(1, 500, ErrorMessage = "Behaviour:RecentItemsPerUser must be from 1 to 500.")]
    public int RecentItemsPerUser { get; set; } = 50;

    /// <summary>How many of the recent items /recommend draws neighbours from, newest first.</summary>
    [Range(1, 500, ErrorMessage = "Behaviour:SeedItems must be from 1 to 500.")]
    public int SeedItems { get; set; } = 30;

    /// <summary>
    /// User-based CF: how many nearest users (by cosine over their recent items) propose their items as `similar`
    /// candidates beside the item-to-item neighbours; 0 turns it off.
    /// </summary>
    [Range(0, 500, ErrorMessage = "Behaviour:UserNeighbours must be from 0 to 500.")]
    public int UserNeighbours { get; set; }

    /// <summary>User-based CF: the users kept per item (the most recent to take it up) among whom a user's peers are found.</summary>
    [Range(1, 10_000, ErrorMessage = "Behaviour:RecentUsersPerItem must be from 1 to 10000.")]
    public int RecentUsersPerItem { get; set; } = 100;

    /// <summary>Users whose trails are kept; past it the least recently active eighth is dropped.</summary>
    [Range(1, 100_000_000, ErrorMessage = "Behaviour:MaxUsers must be from 1 to 100000000.")]
    public int MaxUsers { get; set; } = 2_000_000;

    /// <summary>Age at which a co-occurrence counts half (measured in event time, not wall-clock time).</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00", ErrorMessage = "Behaviour:HalfLife must be from 1 hour to 3650 days.")]
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(60);

    /// <summary>Weight of the k-th newest seed item is AgeDecay^k.</summary>
    [Range(0.01, 1.0, ErrorMessage = "Behaviour:AgeDecay must be greater than 0 and at most 1.")]
    public double AgeDecay { get; set; } = 0.9;

    /// <summary>Events older than this are not read by the rebuild at start-up.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "Behaviour:RebuildWindow must be from 1 day to 3650 days.")]
    public TimeSpan RebuildWindow { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Items kept per category in each content list (best-engaged and newest).</summary>
    [Range(1, 10_000, ErrorMessage = "Behaviour:ContentListLength must be from 1 to 10000.")]
    public int ContentListLength { get; set; } = 100;

    /// <summary>How many of the user's top categories content matching draws from.</summary>
    [Range(1, 20, ErrorMessage = "Behaviour:ContentCategories must be from 1 to 20.")]
    public int ContentCategories { get; set; } = 3;

    /// <summary>How often the per-category best-engaged lists are re-ranked (off the request path).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Behaviour:RefreshInterval must be from 10 ms to 1 hour.")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the model is stored as a snapshot (after a full rebuild and every <see cref="SnapshotInterval"/>) and loaded at start.</summary>
    public bool Snapshots { get; set; } = true;

    /// <summary>How often the snapshot is rewritten: a restart folds at most this much of events on top of it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Behaviour:SnapshotInterval must be from 1 second to 1 day.")]
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Events received up to this long before a snapshot was taken are folded again at load: it must exceed the time
    /// from an event's receipt to its commit being folded (commands time out well before).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Behaviour:SnapshotOverlap must be from 1 second to 1 day.")]
    public TimeSpan SnapshotOverlap { get; set; } = TimeSpan.FromMinutes(2);

    public EventWeightOptions Weights { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Neighbours > MaxPairsPerItem)
        {
            yield return new ValidationResult("Behaviour:Neighbours must not exceed Behaviour:MaxPairsPerItem.", [nameof(Neighbours)]);
        }
        if (SeedItems > RecentItemsPerUser)
        {
            yield return new ValidationResult("Behaviour:SeedItems must not exceed Behaviour:RecentItemsPerUser.", [nameof(SeedItems)]);
        }
        foreach (var (name, value) in new[] { ("View", Weights.View), ("Click", Weights.Click), ("AddToCart", Weights.AddToCart), ("Purchase", Weights.Purchase) })
        {
            if (!double.IsFinite(value) || value is <= 0 or > 1)
            {
                yield return new ValidationResult($"Behaviour:Weights:{name} must be greater than 0 and at most 1.", [nameof(Weights)]);
            }
        }
    }
}

/// <summary>How strongly each event type ties a user to an item (section "Behaviour:Weights").</summary>
public sealed class EventWeightOptions
{
    public double View { get; set; } = 0.1;
    public double Click { get; set; } = 0.25;
    public double AddToCart { get; set; } = 0.5;
    public double Purchase { get; set; } = 1;

    public double Of(EventType type) => type switch
    {
        EventType.View => View,
        EventType.Click => Click,
        EventType.AddToCart => AddToCart,
        EventType.Purchase => Purchase,
        _ => 0,
    };
}

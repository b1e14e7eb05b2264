using System.Globalization;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Segmentation;

/// <summary>Settings of the <c>Segmentation</c> section; checked at start-up by <see cref="SegmentationOptionsValidator"/>.</summary>
public sealed class SegmentationOptions
{
    public const string Section = "Segmentation";
    public const int MinK = 2;
    public const int MaxK = 64;
    public const string DefaultKRange = "2-12";

    /// <summary>Time between scheduled runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a replica looks for runs and live moves committed by other replicas.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the schedule runs (on-demand runs always work).</summary>
    public bool ScheduleEnabled { get; set; } = true;

    /// <summary>A fixed number of segments; when set, <see cref="KRange"/> is not used. Empty (the default): K is chosen.</summary>
    public int? K { get; set; }

    /// <summary>"min-max": K is chosen in this range by silhouette on a sample, unless <see cref="K"/> fixes it.</summary>
    public string? KRange { get; set; } = DefaultKRange;

    /// <summary>Below this many active users a run is skipped (recorded as skipped).</summary>
    public int MinUsers { get; set; } = 100;

    /// <summary>
    /// Users not seen for this long are left out of a run: they are in the cold-start segment until their next event,
    /// when live re-assignment places them.
    /// </summary>
    public TimeSpan FeatureWindow { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How many of the most common categories get a share feature.</summary>
    public int TopCategories { get; set; } = 8;

    /// <summary>Users sampled to choose K.</summary>
    public int SampleSize { get; set; } = 20_000;

    /// <summary>Points of that sample the (quadratic) silhouette is computed on.</summary>
    public int SilhouetteSample { get; set; } = 2_000;

    public int Seed { get; set; } = 42;

    /// <summary>A new centroid further than this (standardised distance) from every old one gets a new key.</summary>
    public double MatchThreshold { get; set; } = 3.0;

    /// <summary>A matched segment keeps its label unless its centroid moved further than this.</summary>
    public double LabelStability { get; set; } = 0.75;

    public string ColdStartKey { get; set; } = "cold-start";

    public string ColdStartLabel { get; set; } = "new or unknown";

    /// <summary>Per-user assignments are kept for this many latest succeeded runs; older ones are deleted after a run.</summary>
    public int KeepAssignmentsOfRuns { get; set; } = 3;

    /// <summary>How many items <c>GET /segments</c> lists per segment.</summary>
    public int TopItems { get; set; } = 5;

    /// <summary>(K, K) when K is fixed, else the K range as numbers (validated at start-up).</summary>
    public (int Min, int Max) KBounds => K is int k ? (k, k) : TryParseRange(KRange, out var range) ? range : (0, 0);

    internal static bool TryParseRange(string? text, out (int Min, int Max) range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var parts = text.Split(['-', ','], StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var min)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var max))
        {
            return false;
        }
        range = (min, max);
        return true;
    }
}

public sealed class SegmentationOptionsValidator : IValidateOptions<SegmentationOptions>
{
    public ValidateOptionsResult Validate(string? name, SegmentationOptions o)
    {
        var failures = new List<string>();
        var s = SegmentationOptions.Section;
        if (o.K is < SegmentationOptions.MinK or > SegmentationOptions.MaxK)
        {
            failures.Add($"{s}:K must be empty or from {SegmentationOptions.MinK} to {SegmentationOptions.MaxK} (got {o.K}).");
        }
        if (string.IsNullOrWhiteSpace(o.KRange))
        {
            if (o.K is null)
            {
                failures.Add($"{s}:KRange must be set (e.g. '{SegmentationOptions.DefaultKRange}') unless {s}:K fixes K.");
            }
        }
        else if (!SegmentationOptions.TryParseRange(o.KRange, out var range))
        {
            failures.Add($"{s}:KRange must look like '3-8' (got '{o.KRange}').");
        }
        else if (range.Min < SegmentationOptions.MinK || range.Max > SegmentationOptions.MaxK || range.Min > range.Max)
        {
            failures.Add($"{s}:KRange must be min-max with {SegmentationOptions.MinK} ≤ min ≤ max ≤ {SegmentationOptions.MaxK} (got '{o.KRange}').");
        }
        if (o.Interval < TimeSpan.FromSeconds(1) || o.Interval > TimeSpan.FromDays(30))
        {
            failures.Add($"{s}:Interval must be from 00:00:01 to 30.00:00:00 (got {o.Interval}).");
        }
        if (o.PollInterval < TimeSpan.FromMilliseconds(100) || o.PollInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{s}:PollInterval must be from 00:00:00.1 to 01:00:00 (got {o.PollInterval}).");
        }
        if (o.FeatureWindow < TimeSpan.FromHours(1))
        {
            failures.Add($"{s}:FeatureWindow must be at least 01:00:00 (got {o.FeatureWindow}).");
        }
        if (o.MinUsers < 1)
        {
            failures.Add($"{s}:MinUsers must be at least 1 (got {o.MinUsers}).");
        }
        if (o.TopCategories is < 0 or > 64)
        {
            failures.Add($"{s}:TopCategories must be from 0 to 64 (got {o.TopCategories}).");
        }
        if (o.SampleSize < 100 || o.SilhouetteSample < 10)
        {
            failures.Add($"{s}:SampleSize must be at least 100 and {s}:SilhouetteSample at least 10.");
        }
        if (!(o.MatchThreshold > 0) || !(o.LabelStability >= 0))
        {
            failures.Add($"{s}:MatchThreshold must be > 0 and {s}:LabelStability ≥ 0.");
        }
        if (string.IsNullOrWhiteSpace(o.ColdStartKey) || o.ColdStartKey.Length > 64)
        {
            failures.Add($"{s}:ColdStartKey must be 1 to 64 characters.");
        }
        if (o.KeepAssignmentsOfRuns < 1)
        {
            failures.Add($"{s}:KeepAssignmentsOfRuns must be at least 1 (got {o.KeepAssignmentsOfRuns}).");
        }
        if (o.TopItems is < 0 or > 100)
        {
            failures.Add($"{s}:TopItems must be from 0 to 100 (got {o.TopItems}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

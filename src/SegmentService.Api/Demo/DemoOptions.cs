using System.ComponentModel.DataAnnotations;

namespace SegmentService.Api.Demo;

public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Load a demo catalogue and demo shoppers' events at start (scripts/run.sh turns this on).</summary>
    public bool Seed { get; set; }

    [Range(1, 100_000)]
    public int Users { get; set; } = 400;

    [Range(1, 10_000)]
    public int ItemsPerCategory { get; set; } = 25;
}

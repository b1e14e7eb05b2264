using System.ComponentModel.DataAnnotations;

namespace SegmentService.Api.Storage;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Apply pending EF Core migrations when the service starts.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>How long start-up keeps retrying to reach the database before giving up.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

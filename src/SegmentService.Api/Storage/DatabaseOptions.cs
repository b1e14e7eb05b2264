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

    /// <summary>
    /// How long opening a connection may take (every connection of the service). During an outage a request
    /// waits at most this long for a connection before it is answered 503.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a request-path write (events, items) may run before it is abandoned and answered 503. Background
    /// work (segmentation runs, snapshots, migrations) keeps Npgsql's own timeout: it may legitimately run longer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Statements Npgsql prepares once it has seen them twice on a connection (its Max Auto Prepare), unless the
    /// connection string sets its own. The hot statements (group-committed feedback, events with their profile
    /// upsert, the sweeper's reads) then skip parsing and planning. 0 turns it off (e.g. behind PgBouncer in
    /// transaction mode older than 1.21).
    /// </summary>
    [Range(0, 1000)]
    public int MaxAutoPrepare { get; set; } = 64;

    /// <summary><see cref="CommandTimeout"/> in whole seconds, as Npgsql takes it.</summary>
    public int CommandTimeoutSeconds => Math.Max(1, (int)Math.Ceiling(CommandTimeout.TotalSeconds));
}

using Microsoft.Extensions.Options;
using Npgsql;

namespace SegmentService.Api.Policy;

/// <summary>Whose clock closes reward windows and settles them.</summary>
public enum WindowClock
{
    /// <summary>PostgreSQL's clock_timestamp(): every replica agrees, whatever its own clock says (production).</summary>
    Database,

    /// <summary>This process's TimeProvider: for one replica whose time is simulated (tests, replays).</summary>
    Process,
}

/// <summary>
/// The one clock the outcome log is judged by (Policy:WindowClock). With the database's clock, the feedback write
/// itself decides whether the window is open (inside the INSERT), and the sweeper and the impression writer ask the
/// database for the time, so a replica with a skewed clock can neither accept a click the others settled without it
/// nor settle before the others stop accepting.
/// </summary>
public sealed class PolicyClock(NpgsqlDataSource dataSource, IOptions<PolicyOptions> options, TimeProvider timeProvider)
{
    public bool IsDatabase => options.Value.WindowClock == WindowClock.Database;

    /// <summary>Now, by the clock in force (one round trip with the database's clock).</summary>
    public async Task<DateTimeOffset> NowAsync(CancellationToken cancellationToken)
    {
        if (!IsDatabase)
        {
            return timeProvider.GetUtcNow();
        }
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        var now = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc));
    }

    /// <summary>The time a write passes to SQL: null means "the database's clock_timestamp()", decided in the statement.</summary>
    public DateTime? ForWrite() => IsDatabase ? null : timeProvider.GetUtcNow().UtcDateTime;
}

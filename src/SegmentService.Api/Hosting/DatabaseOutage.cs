using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Npgsql;

namespace SegmentService.Api.Hosting;

/// <summary>Tells a database outage (unreachable, restarting, timing out) from a bug that happens to surface in SQL.</summary>
public static class DatabaseFaults
{
    /// <summary>
    /// True when <paramref name="exception"/> or one of its inner exceptions says the database could not be used
    /// right now: Npgsql's transient errors (connection refused or reset, server shutting down, too many
    /// connections, command timeout), socket and timeout errors, and an exhausted connection pool.
    /// A constraint violation or a numeric overflow is not an outage: it stays a 500.
    /// </summary>
    public static bool IsOutage(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case NpgsqlException { IsTransient: true }:
                case NpgsqlException { InnerException: SocketException or TimeoutException or IOException }:
                case NpgsqlException when e.Message.Contains("connection pool", StringComparison.OrdinalIgnoreCase):
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }
}

/// <summary>
/// One outage, logged once: the first fault logs a warning and starts a probe that pings the database with
/// back-off until it answers, then logs the recovery with how many requests were refused meanwhile.
/// </summary>
public sealed class DatabaseOutageTracker(
    NpgsqlDataSource dataSource,
    IHostApplicationLifetime lifetime,
    ILogger<DatabaseOutageTracker> logger,
    Metrics.ServiceMetrics metrics)
{
    /// <summary>What a refused request is told to wait, in seconds (the Retry-After header).</summary>
    public const int RetryAfterSeconds = 5;

    private static readonly TimeSpan FirstProbeDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxProbeDelay = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private long? _since;
    private long _refusedThisOutage;

    /// <summary>Whether a fault was seen and the database has not answered a probe since.</summary>
    public bool IsDown
    {
        get
        {
            lock (_gate)
            {
                return _since is not null;
            }
        }
    }

    /// <summary>
    /// Records a fault: a request refused for an outage, or (<paramref name="refusedRequest"/> false) a failed
    /// readiness check. The first fault of an outage logs and starts the probe.
    /// </summary>
    public void Report(Exception exception, bool refusedRequest = true)
    {
        if (refusedRequest)
        {
            metrics.DatabaseOutageRefused();
        }
        bool first;
        lock (_gate)
        {
            first = _since is null;
            _since ??= Stopwatch.GetTimestamp();
            _refusedThisOutage += refusedRequest ? 1 : 0;
        }
        if (first)
        {
            // The exception's message, not its stack trace: every request of the outage has the same one.
            logger.LogWarning(
                "Database unreachable ({Error}); writes answer 503 with Retry-After until it answers again",
                exception.GetBaseException().Message);
            _ = ProbeUntilUpAsync();
        }
    }

    // Wall-clock time on purpose (not TimeProvider): the probe waits for a real server, also under a test's fake clock.
    private async Task ProbeUntilUpAsync()
    {
        var delay = FirstProbeDelay;
        var token = lifetime.ApplicationStopping;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, token);
                await using var command = dataSource.CreateCommand("SELECT 1");
                command.CommandTimeout = (int)MaxProbeDelay.TotalSeconds;
                await command.ExecuteScalarAsync(token);
                break;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxProbeDelay.Ticks));
            }
        }
        long since;
        long refused;
        lock (_gate)
        {
            since = _since ?? Stopwatch.GetTimestamp();
            refused = _refusedThisOutage;
            _since = null;
            _refusedThisOutage = 0;
        }
        logger.LogWarning(
            "Database reachable again after {Outage}; {Refused} requests were answered 503 meanwhile",
            Stopwatch.GetElapsedTime(since), refused);
    }
}

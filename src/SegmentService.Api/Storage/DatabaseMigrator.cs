using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SegmentService.Api.Storage;

/// <summary>
/// Applies migrations at start-up, waiting for the server. EF Core's own migration lock on PostgreSQL is held
/// per migration transaction, so with several pending migrations two replicas can interleave (one re-applies a
/// migration the other just committed); a session-level advisory lock around the whole MigrateAsync prevents that.
/// </summary>
public sealed class DatabaseMigrator(
    IServiceScopeFactory scopeFactory,
    IOptions<DatabaseOptions> options,
    TimeProvider timeProvider,
    ILogger<DatabaseMigrator> logger)
{
    /// <summary>'SEGM' in ASCII: the advisory lock key of schema migrations.</summary>
    private const long MigrationLockKey = 0x5345474D;

    private volatile bool _upToDate;

    public bool IsUpToDate => _upToDate;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + options.Value.StartupTimeout;
        while (true)
        {
            try
            {
                await using var scope = scopeFactory.CreateAsyncScope();
                await using var lockConnection = await scope.ServiceProvider.GetRequiredKeyedService<NpgsqlDataSource>(StorageServices.SessionLocks)
                    .OpenConnectionAsync(cancellationToken);
                await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection))
                {
                    await take.ExecuteNonQueryAsync(cancellationToken);
                }
                try
                {
                    var db = scope.ServiceProvider.GetRequiredService<SegmentDbContext>();
                    await db.Database.MigrateAsync(cancellationToken);
                }
                finally
                {
                    // Explicitly: a pooled connection keeps its session (and the lock) until it is reused.
                    await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", lockConnection);
                    await release.ExecuteNonQueryAsync(CancellationToken.None);
                }
                _upToDate = true;
                logger.LogInformation("Database schema is up to date");
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && timeProvider.GetUtcNow() < deadline)
            {
                logger.LogWarning("Database not reachable yet ({Reason}); retrying", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken);
            }
        }
    }

    /// <summary>True when the database answers and no migration is pending.</summary>
    public async Task<bool> CheckUpToDateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SegmentDbContext>();
        if (_upToDate)
        {
            // CanConnectAsync answers false instead of throwing; a readiness check must tell "down" from "behind".
            return await db.Database.CanConnectAsync(cancellationToken)
                ? true
                : throw new NpgsqlException("The database does not accept connections.");
        }
        var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
        _upToDate = !pending.Any();
        return _upToDate;
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SegmentService.Api.Storage;

/// <summary>
/// Applies migrations at start-up. EF Core takes a database-wide migration lock, so replicas
/// starting together apply each migration once; this class adds waiting for the server.
/// </summary>
public sealed class DatabaseMigrator(
    IServiceScopeFactory scopeFactory,
    IOptions<DatabaseOptions> options,
    TimeProvider timeProvider,
    ILogger<DatabaseMigrator> logger)
{
    private const long MigrationLockKey = 0x5365_676d_4d69_67; // "SegMig"

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
                var db = scope.ServiceProvider.GetRequiredService<SegmentDbContext>();
                // EF's own migration lock lasts one migration's transaction, so two replicas applying several
                // migrations can interleave; a session advisory lock serialises the whole run.
                await using var connection = await scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(cancellationToken);
                await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", connection))
                {
                    await take.ExecuteNonQueryAsync(cancellationToken);
                }
                try
                {
                    await db.Database.MigrateAsync(cancellationToken);
                }
                finally
                {
                    await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", connection);
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
            return await db.Database.CanConnectAsync(cancellationToken);
        }
        var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
        _upToDate = !pending.Any();
        return _upToDate;
    }
}

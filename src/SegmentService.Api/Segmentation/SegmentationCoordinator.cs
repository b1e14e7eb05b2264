using Npgsql;
using SegmentService.Api.Metrics;

namespace SegmentService.Api.Segmentation;

/// <summary>What a trigger did: started a run, joined the one running here or elsewhere, or found none to report.</summary>
public sealed record RunTrigger(long? RunId, bool Started, Task? Completion);

/// <summary>
/// Starts runs so that only one runs at a time across all replicas: a session-level <c>pg_try_advisory_lock</c>
/// held on a dedicated connection for the whole run. A second trigger while a run is going gets that run's id.
/// </summary>
public sealed class SegmentationCoordinator(
    [FromKeyedServices(Storage.StorageServices.SessionLocks)] NpgsqlDataSource dataSource,
    RunStore store,
    SegmentationRunner runner,
    ServiceMetrics metrics,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<SegmentationCoordinator> logger) : IDisposable
{
    /// <summary>'SEGR' in ASCII: the advisory lock key of segmentation runs.</summary>
    public const long LockKey = 0x53454752;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _runningId;
    private Task? _running;
    private TaskCompletionSource _recorded = new();

    public Task<RunTrigger> TriggerAsync(string trigger, CancellationToken cancellationToken) =>
        TriggerAsync(trigger, null, cancellationToken);

    /// <param name="trigger">Recorded with the run.</param>
    /// <param name="unlessStartedSince">
    /// When set, no run starts if one with the same trigger started at or after it (checked under the lock, so of
    /// several replicas ticking in the same schedule slot exactly one runs).
    /// </param>
    /// <param name="cancellationToken">Cancels waiting and starting, not a started run.</param>
    public async Task<RunTrigger> TriggerAsync(string trigger, DateTimeOffset? unlessStartedSince, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_running is { IsCompleted: false })
            {
                if (!_recorded.Task.IsCompleted)
                {
                    return new RunTrigger(_runningId, false, _running);
                }
                // That run has its outcome stored and is only telling listeners or pruning: start after it.
                await _running;
            }
            var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            try
            {
                await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection))
                {
                    tryLock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
                    if (await tryLock.ExecuteScalarAsync(cancellationToken) is not true)
                    {
                        await connection.DisposeAsync();
                        return new RunTrigger(await store.RunningIdAsync(cancellationToken), false, null);
                    }
                }
                if (unlessStartedSince is { } since && await store.StartedSinceAsync(trigger, since, cancellationToken))
                {
                    await connection.DisposeAsync(); // closing the session releases the lock
                    return new RunTrigger(null, false, null);
                }
                await store.AbandonRunningAsync(timeProvider.GetUtcNow(), cancellationToken);
                var runId = await store.CreateAsync(trigger, timeProvider.GetUtcNow(), cancellationToken);
                logger.LogInformation("Segmentation run {RunId} started ({Trigger})", runId, trigger);
                _runningId = runId;
                var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _recorded = recorded;
                _running = Task.Run(() => RunHoldingLockAsync(connection, runId, recorded), CancellationToken.None);
                return new RunTrigger(runId, true, _running);
            }
            catch
            {
                await connection.DisposeAsync(); // closing the session releases the lock
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task RecordRunMetricAsync(long runId, TimeSpan elapsed)
    {
        try
        {
            metrics.SegmentationRun(await store.StatusAsync(runId, CancellationToken.None) ?? "unknown", elapsed);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not read the outcome of run {RunId} for metrics", runId);
        }
    }

    private async Task RunHoldingLockAsync(NpgsqlConnection connection, long runId, TaskCompletionSource recorded)
    {
        try
        {
            var started = timeProvider.GetTimestamp();
            await runner.ExecuteAsync(runId, recorded, lifetime.ApplicationStopping);
            await RecordRunMetricAsync(runId, timeProvider.GetElapsedTime(started));
        }
        finally
        {
            try
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
                unlock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not release the segmentation lock explicitly; closing the session releases it");
            }
            await connection.DisposeAsync();
        }
    }
}

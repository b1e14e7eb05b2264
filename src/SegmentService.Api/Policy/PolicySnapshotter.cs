using Microsoft.Extensions.Options;

namespace SegmentService.Api.Policy;

/// <summary>Snapshots the Q-table every Policy:SnapshotInterval (skipped when nothing changed), and once more on shutdown.</summary>
public sealed class PolicySnapshotter(
    PolicySnapshotStore store,
    PolicyReadiness readiness,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider,
    ILogger<PolicySnapshotter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.SnapshotInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await store.SaveAsync(force: false, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Saving a policy snapshot failed");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!readiness.IsReady)
        {
            return;
        }
        try
        {
            await store.SaveAsync(force: false, cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // The container was disposed before the host was stopped (test hosts do this); the feedback log still has everything.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Saving the shutdown policy snapshot failed");
        }
    }
}

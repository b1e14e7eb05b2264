using Microsoft.Extensions.Options;

namespace SegmentService.Api.Segmentation;

/// <summary>
/// Runs segmentation once per <see cref="SegmentationOptions.Interval"/> across all replicas, and every <see cref="SegmentationOptions.PollInterval"/>
/// picks up runs and live moves committed by other replicas. Each tick catches and logs its errors.
/// </summary>
public sealed class SegmentationScheduler(
    SegmentationCoordinator coordinator,
    RunStore store,
    SegmentDirectory directory,
    SegmentationNotifier notifier,
    IOptions<SegmentationOptions> options,
    TimeProvider timeProvider,
    ILogger<SegmentationScheduler> logger) : BackgroundService
{
    private PeriodicTimer? _runTimer;
    private PeriodicTimer? _pollTimer;

    // While the database is down the poll skips ticks, doubling up to 32 (PollInterval 10 s: about 5 minutes),
    // and the outage is logged when it starts and when it ends, not at every tick.
    private int _failedPolls;
    private int _ticksToSkip;

    // The timers start with the host, not when ExecuteAsync gets a thread, so the first interval counts from start-up.
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _runTimer = new PeriodicTimer(options.Value.Interval, timeProvider);
        _pollTimer = new PeriodicTimer(options.Value.PollInterval, timeProvider);
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _runTimer?.Dispose();
        _pollTimer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RefreshAsync(stoppingToken);
        await Task.WhenAll(ScheduleAsync(stoppingToken), PollAsync(stoppingToken));
    }

    private async Task ScheduleAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _runTimer!.WaitForNextTickAsync(stoppingToken))
            {
                if (!options.Value.ScheduleEnabled)
                {
                    continue;
                }
                try
                {
                    // Every replica ticks once per interval, each at its own phase: the first to tick in a slot of the
                    // clock (a whole multiple of the interval) runs, the others find its run and skip.
                    var now = timeProvider.GetUtcNow();
                    var slot = now - TimeSpan.FromTicks(now.UtcTicks % options.Value.Interval.Ticks);
                    var trigger = await coordinator.TriggerAsync("schedule", slot, stoppingToken);
                    if (trigger.Completion is not null)
                    {
                        await trigger.Completion;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Scheduled segmentation run could not start");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _pollTimer!.WaitForNextTickAsync(stoppingToken))
            {
                if (_ticksToSkip > 0)
                {
                    _ticksToSkip--;
                    continue;
                }
                await RefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Brings in a newer succeeded run, else the live moves other replicas made in the current one.</summary>
    private async Task RefreshAsync(CancellationToken stoppingToken)
    {
        try
        {
            var latest = await store.LatestSucceededIdAsync(stoppingToken);
            var current = directory.Current;
            if (latest is { } runId && runId > (current?.RunId ?? 0))
            {
                var (state, committed, watermark) = await store.LoadAsync(runId, stoppingToken);
                directory.LiveWatermark = Math.Max(directory.LiveWatermark, watermark);
                await notifier.ActivateAsync(state, committed, stoppingToken);
                logger.LogInformation("Segmentation run {RunId} is now in force ({Users} users)", runId, state.Users.Count);
            }
            else if (current is not null)
            {
                directory.LiveWatermark = await store.LoadLiveAsync(current, directory.LiveWatermark, stoppingToken);
            }
            if (_failedPolls > 0)
            {
                logger.LogWarning("Refreshing the segmentation run works again after {Failures} failed polls", _failedPolls);
                _failedPolls = 0;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && Hosting.DatabaseFaults.IsOutage(ex))
        {
            if (_failedPolls++ == 0)
            {
                logger.LogWarning("Could not refresh the segmentation run in force: the database is unreachable ({Error}); backing off",
                    ex.GetBaseException().Message);
            }
            _ticksToSkip = Math.Min(32, (1 << Math.Min(_failedPolls, 6)) - 1);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not refresh the segmentation run in force");
        }
    }
}

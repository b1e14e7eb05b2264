using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Behaviour;

/// <summary>Completes once the start-up rebuild has been folded in.</summary>
public sealed class BehaviourReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>How the model was built at start (set before <see cref="WaitAsync"/> completes).</summary>
    public RebuildResult? Result { get; private set; }

    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public void MarkReady(RebuildResult result)
    {
        Result = result;
        _ready.TrySetResult();
    }
}

/// <summary>
/// Rebuilds the behaviour model in the background at start (from the snapshot and the events since, or from every
/// event; retrying while the database is unreachable), stores a snapshot after a full rebuild and every
/// SnapshotInterval, and re-ranks the per-category content lists on a timer, off the request path.
/// </summary>
public sealed class BehaviourStartup(
    BehaviourFeed feed,
    BehaviourModel model,
    BehaviourSnapshots snapshots,
    BehaviourReadiness readiness,
    IOptions<BehaviourOptions> options,
    TimeProvider timeProvider,
    ILogger<BehaviourStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var fromSnapshot = false;
        while (!readiness.IsReady)
        {
            try
            {
                var clock = Stopwatch.StartNew();
                var result = await feed.RebuildAsync(stoppingToken);
                readiness.MarkReady(result);
                fromSnapshot = result.Snapshot is not null;
                logger.LogInformation(
                    "Behaviour model ready in {Elapsed} ms: snapshot {Snapshot} ({SnapshotBytes} bytes, {SnapshotMs} ms) then {Events} events; {Items} items, {Users} users",
                    clock.ElapsedMilliseconds, result.Snapshot?.Watermark, result.Snapshot?.Bytes, result.Snapshot?.Elapsed.TotalMilliseconds,
                    result.Events, model.Items.Count, model.Trails.Users);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Rebuilding the behaviour model failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, stoppingToken);
            }
        }
        if (!options.Value.Snapshots)
        {
            await RerankAsync(stoppingToken);
            return;
        }
        if (!fromSnapshot)
        {
            // The next restart should not fold every event again.
            await SnapshotAsync(stoppingToken);
        }
        await Task.WhenAll(RerankAsync(stoppingToken), SnapshotLoopAsync(stoppingToken));
    }

    private async Task RerankAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                model.Content.Rerank(model.Graph.Engagement);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Re-ranking the content lists failed");
            }
        }
    }

    private async Task SnapshotLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SnapshotInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await SnapshotAsync(stoppingToken);
        }
    }

    private async Task SnapshotAsync(CancellationToken stoppingToken)
    {
        try
        {
            var info = await snapshots.WriteAsync(stoppingToken);
            logger.LogInformation("Behaviour snapshot of {Bytes} bytes taken at {Watermark} stored in {Elapsed} ms ({Locked} ms under the writer lock)",
                info.Bytes, info.Watermark, info.Elapsed.TotalMilliseconds, info.Locked.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Storing the behaviour snapshot failed; the next restart folds more events");
        }
    }
}

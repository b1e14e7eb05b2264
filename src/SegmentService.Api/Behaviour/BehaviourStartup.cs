using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Behaviour;

/// <summary>Completes once the start-up rebuild has been folded in.</summary>
public sealed class BehaviourReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public void MarkReady() => _ready.TrySetResult();
}

/// <summary>
/// Rebuilds the behaviour model in the background at start (retrying while the database is unreachable), then
/// re-ranks the per-category content lists on a timer, off the request path.
/// </summary>
public sealed class BehaviourStartup(
    BehaviourFeed feed,
    BehaviourModel model,
    BehaviourReadiness readiness,
    IOptions<BehaviourOptions> options,
    TimeProvider timeProvider,
    ILogger<BehaviourStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!readiness.IsReady)
        {
            try
            {
                var clock = Stopwatch.StartNew();
                var events = await feed.RebuildAsync(stoppingToken);
                readiness.MarkReady();
                logger.LogInformation("Behaviour model rebuilt from {Events} events, {Items} items, {Users} users in {Elapsed} ms",
                    events, model.Items.Count, model.Trails.Users, clock.ElapsedMilliseconds);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Rebuilding the behaviour model failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, stoppingToken);
            }
        }

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
}

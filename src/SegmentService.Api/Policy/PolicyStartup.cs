namespace SegmentService.Api.Policy;

/// <summary>State another feature keeps in memory for the policy (catalogue, purchases, priors), loaded before it is ready.</summary>
public interface IPolicyStartupTask
{
    Task LoadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Loads the policy's state in the background (retrying while the database is unreachable, so the host still starts):
/// every <see cref="IPolicyStartupTask"/>, then the latest snapshot and the log after it; then opens <see cref="PolicyReadiness"/>.
/// </summary>
public sealed class PolicyStartup(
    IEnumerable<IPolicyStartupTask> tasks,
    PolicySnapshotStore snapshots,
    PolicyReadiness readiness,
    TimeProvider timeProvider,
    ILogger<PolicyStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!readiness.IsReady)
        {
            try
            {
                foreach (var task in tasks)
                {
                    await task.LoadAsync(stoppingToken);
                }
                await snapshots.LoadAsync(stoppingToken);
                readiness.MarkReady();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Loading the policy state failed; retrying in {Delay}", delay);
                await Task.Delay(delay, timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }
}

using Microsoft.Extensions.Options;
using SegmentService.Api.Recommendations;

namespace SegmentService.Api.Policy;

/// <summary>
/// Loads the policy's state in the background (retrying while the database is unreachable, so the
/// host still starts), opens <see cref="PolicyReadiness"/>, then keeps the catalogue copy fresh.
/// </summary>
public sealed class PolicyStartup(
    PolicySnapshotStore snapshots,
    ItemPriorsFeed priors,
    InStockCatalog catalog,
    PurchaseHistory purchases,
    PolicyReadiness readiness,
    IOptions<RecommendOptions> options,
    TimeProvider timeProvider,
    ILogger<PolicyStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!readiness.IsReady)
        {
            try
            {
                await catalog.ReloadAsync(stoppingToken);
                await purchases.LoadAsync(stoppingToken);
                await priors.LoadAsync(stoppingToken);
                await snapshots.LoadAsync(stoppingToken);
                readiness.MarkReady();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Loading the policy state failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, stoppingToken);
            }
        }

        using var timer = new PeriodicTimer(options.Value.CatalogRefreshInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await catalog.ReloadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Reloading the in-stock catalogue failed");
            }
        }
    }
}

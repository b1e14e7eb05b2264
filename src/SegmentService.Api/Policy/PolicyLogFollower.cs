using Microsoft.Extensions.Options;
using Npgsql;

namespace SegmentService.Api.Policy;

/// <summary>
/// Every <c>Policy:FollowInterval</c>, applies the feedback rows other replicas logged (every segment, from its
/// <see cref="QRow.LastSeq"/>, under its gate), so a replica converges on the shared log even for segments it takes
/// no feedback for. Off the request path: /recommend never waits for it.
/// </summary>
public sealed class PolicyLogFollower(
    QTable table,
    NpgsqlDataSource dataSource,
    PolicyReadiness readiness,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider,
    ILogger<PolicyLogFollower> logger) : BackgroundService
{
    /// <summary>One catch-up; returns the number of rows applied.</summary>
    public Task<int> CatchUpAsync(CancellationToken cancellationToken) =>
        FeedbackLog.CatchUpAllAsync(dataSource, table, 0, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.FollowInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var applied = await CatchUpAsync(stoppingToken);
                if (applied > 0)
                {
                    logger.LogDebug("Applied {Count} feedback rows from the log", applied);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Following the feedback log failed");
            }
        }
    }
}

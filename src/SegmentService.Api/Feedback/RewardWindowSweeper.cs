using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Metrics;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;

namespace SegmentService.Api.Feedback;

/// <summary>
/// Gives the default reward, once, to every shown item that got no feedback within the reward window.
/// Driven by the impressions table (unsettled rows past their window), so it picks up after a restart;
/// the feedback table's unique key makes a repeat a no-op.
/// </summary>
public sealed class RewardWindowSweeper(
    PolicyLearner learner,
    ImpressionLog impressions,
    NextSegmentBootstraps bootstraps,
    PolicyReadiness readiness,
    NpgsqlDataSource dataSource,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider,
    ILogger<RewardWindowSweeper> logger,
    ServiceMetrics metrics) : BackgroundService
{
    private const int BatchSize = 500;
    private readonly SemaphoreSlim _sweeping = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.SweepInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Sweeping expired rewards failed");
            }
        }
    }

    /// <summary>Settles every impression whose window has closed; returns the number of default rewards applied.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await _sweeping.WaitAsync(cancellationToken);
        try
        {
            // Bootstraps whose user made no request within Policy:BootstrapWindow are dropped here.
            bootstraps.Prune();
            // Impressions still in the buffer would be invisible to the query below.
            await impressions.FlushAsync(cancellationToken);
            var applied = 0;
            while (true)
            {
                var closedBefore = timeProvider.GetUtcNow() - options.Value.RewardWindow;
                var batch = new List<(string Rec, string User, string Segment, string[] Items)>();
                await using (var command = dataSource.CreateCommand("""
                    SELECT recommendation_id, user_id, segment_key, item_ids FROM impressions
                    WHERE NOT settled AND created_at <= $1 ORDER BY created_at LIMIT $2
                    """))
                {
                    command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = closedBefore.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                    command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        batch.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3)));
                    }
                }
                if (batch.Count == 0)
                {
                    return applied;
                }
                var reward = options.Value.Rewards.Default;
                foreach (var segment in batch.GroupBy(b => b.Segment, StringComparer.Ordinal))
                {
                    var rewards = segment
                        .SelectMany(b => b.Items.Select(item => new RewardInput(b.Rec, b.User, item, FeedbackType.Expired, reward, null)))
                        .ToList();
                    var done = await learner.ApplyAsync(segment.Key, rewards, static () => true, onlyIfNoFeedback: true, cancellationToken);
                    applied += done?.Count ?? 0;
                    metrics.DefaultRewards(done?.Count ?? 0, reward);
                }
                await using (var settle = dataSource.CreateCommand("UPDATE impressions SET settled = true WHERE recommendation_id = ANY($1)"))
                {
                    settle.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(b => b.Rec)] });
                    await settle.ExecuteNonQueryAsync(cancellationToken);
                }
                if (applied > 0)
                {
                    logger.LogInformation("Gave the default reward to {Count} unrewarded items", applied);
                }
                if (batch.Count < BatchSize)
                {
                    return applied;
                }
            }
        }
        finally
        {
            _sweeping.Release();
        }
    }
}

using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Policy;

/// <summary>What one pruning pass deleted.</summary>
public readonly record struct PruneResult(long Snapshots, long Impressions, long Feedback);

/// <summary>
/// Deletes what neither a restart nor evaluation needs, in bounded batches (each its own short statement):
/// impressions older than Retention:OutcomeAge, with their feedback, but only those the snapshot a restart loads has
/// already settled (at or before its watermark, and this replica's) so the replay after it still reads every row it
/// folds; feedback whose impression was never logged; snapshots by <see cref="RetentionOptions"/>, never the one a
/// restart loads. Behaviour events are kept.
/// </summary>
public sealed class RetentionPruner(
    PolicySnapshotStore snapshots,
    OutcomeSweeper sweeper,
    NpgsqlDataSource dataSource,
    IOptions<RetentionOptions> options,
    TimeProvider timeProvider)
{
    // Feedback goes in the same statement as its impression, so no feedback row is ever left without it.
    private const string ImpressionsSql = """
        WITH doomed AS (
            SELECT recommendation_id FROM impressions
            WHERE (created_at, recommendation_id) <= ($1, $2) AND created_at < $3
            ORDER BY created_at, recommendation_id LIMIT $4),
        gone_feedback AS (DELETE FROM feedback WHERE recommendation_id IN (SELECT recommendation_id FROM doomed) RETURNING 1),
        gone AS (DELETE FROM impressions WHERE recommendation_id IN (SELECT recommendation_id FROM doomed) RETURNING 1)
        SELECT (SELECT count(*) FROM gone_feedback), (SELECT count(*) FROM gone)
        """;

    private const string OrphanFeedbackSql = """
        DELETE FROM feedback WHERE seq IN (
            SELECT f.seq FROM feedback f
            WHERE f.created_at < $1
              AND NOT EXISTS (SELECT 1 FROM impressions i WHERE i.recommendation_id = f.recommendation_id)
            LIMIT $2)
        """;

    // Kept: the one a restart loads ($1), the latest $2, everything taken since $3; between $4 (the outcome horizon)
    // and $3 the last of each UTC day; before $4 only the last taken by then (evaluation's table at the horizon).
    // "Last" is by version, as PolicySnapshotStore.FindAsync picks.
    private const string SnapshotsSql = """
        DELETE FROM policy_snapshots WHERE version IN (
            SELECT s.version FROM policy_snapshots s
            WHERE s.version <> $1
              AND s.version NOT IN (SELECT version FROM policy_snapshots ORDER BY version DESC LIMIT $2)
              AND s.taken_at < $3
              AND CASE WHEN s.taken_at >= $4
                  THEN EXISTS (SELECT 1 FROM policy_snapshots t WHERE t.version > s.version AND t.taken_at >= $4
                               AND date_trunc('day', t.taken_at, 'UTC') = date_trunc('day', s.taken_at, 'UTC'))
                  ELSE EXISTS (SELECT 1 FROM policy_snapshots t WHERE t.version > s.version AND t.taken_at <= $4) END
            ORDER BY s.version LIMIT $5)
        """;

    private readonly RetentionOptions _options = options.Value;
    private long _snapshots, _impressions, _feedback;

    /// <summary>Rows deleted since start, per table (exported as segmentservice_retention_deleted_total).</summary>
    public PruneResult Deleted => new(Interlocked.Read(ref _snapshots), Interlocked.Read(ref _impressions), Interlocked.Read(ref _feedback));

    /// <summary>One pass: deletes batch after batch until nothing is left to delete.</summary>
    public async Task<PruneResult> PruneAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var horizon = now - _options.OutcomeAge;
        // Nothing is pruned until a snapshot covers it: without one a restart replays the whole log.
        if (await snapshots.FindAsync(null, cancellationToken) is not { } latest)
        {
            return default;
        }
        var settled = await sweeper.ExclusiveAsync(w => w, cancellationToken);
        var bound = Earlier(latest.Watermark, settled);

        long feedback = 0, impressions = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand(ImpressionsSql);
            command.Parameters.Add(Timestamp(bound.CreatedAt));
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = bound.RecommendationId });
            command.Parameters.Add(Timestamp(horizon));
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _options.BatchSize });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var (f, i) = (reader.GetInt64(0), reader.GetInt64(1));
            feedback += f;
            impressions += i;
            if (i < _options.BatchSize)
            {
                break;
            }
        }
        var orphanBefore = bound.CreatedAt < horizon ? bound.CreatedAt : horizon;
        feedback += await DeleteInBatchesAsync(OrphanFeedbackSql, [Timestamp(orphanBefore)], cancellationToken);
        var snapshotRows = await DeleteInBatchesAsync(SnapshotsSql, [
            new NpgsqlParameter<long> { TypedValue = latest.Version },
            new NpgsqlParameter<int> { TypedValue = _options.KeepSnapshots },
            Timestamp(now - _options.SnapshotAge),
            Timestamp(horizon),
        ], cancellationToken);
        Interlocked.Add(ref _snapshots, snapshotRows);
        Interlocked.Add(ref _impressions, impressions);
        Interlocked.Add(ref _feedback, feedback);
        return new PruneResult(snapshotRows, impressions, feedback);
    }

    private async Task<long> DeleteInBatchesAsync(string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand(sql);
            foreach (var p in parameters)
            {
                command.Parameters.Add(p.Clone());
            }
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _options.BatchSize });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < _options.BatchSize)
            {
                return total;
            }
        }
    }

    private static Watermark Earlier(Watermark a, Watermark b) =>
        a.CreatedAt < b.CreatedAt || (a.CreatedAt == b.CreatedAt && string.CompareOrdinal(a.RecommendationId, b.RecommendationId) <= 0) ? a : b;

    private static NpgsqlParameter<DateTime> Timestamp(DateTimeOffset at) =>
        new() { TypedValue = at.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}

/// <summary>Prunes every Retention:Interval once the policy state is loaded; backs off (5 s doubling up to the interval) while the database fails.</summary>
public sealed class RetentionService(
    RetentionPruner pruner,
    PolicyReadiness readiness,
    IOptions<RetentionOptions> options,
    TimeProvider timeProvider,
    ILogger<RetentionService> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        await readiness.WaitAsync(stoppingToken);
        var interval = options.Value.Interval;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var pruned = await pruner.PruneAsync(stoppingToken);
                if (failures > 0)
                {
                    logger.LogInformation("Pruning works again after {Failures} failed attempts", failures);
                }
                failures = 0;
                delay = interval;
                if (pruned != default)
                {
                    logger.LogInformation("Pruned {Impressions} impressions, {Feedback} feedback rows and {Snapshots} snapshots",
                        pruned.Impressions, pruned.Feedback, pruned.Snapshots);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Logged once per run of failures, with the stack trace; retried sooner than the interval, backing off.
                if (failures++ == 0)
                {
                    logger.LogError(ex, "Pruning old rows failed; retrying with back-off");
                }
                delay = TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks << Math.Min(failures - 1, 20), interval.Ticks));
            }
            await Task.Delay(delay, timeProvider, stoppingToken);
        }
    }
}

using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Policy;

/// <summary>
/// Settles the outcome log into the Q-table: every impression whose reward window closed more than Policy:SettleDelay
/// ago is folded in (created_at, recommendation_id) order, each shown item with the sum of the rewards logged for it
/// (Policy:Rewards:Default when none). Every replica, and a restart from a snapshot, reads the same rows in the same
/// order and so computes the same table, with no lock between replicas. The watermark is the last impression folded.
/// </summary>
public sealed class OutcomeSweeper(
    QTable table,
    ImpressionLog impressions,
    ItemPriors priors,
    PolicyClock clock,
    NpgsqlDataSource dataSource,
    IOptions<PolicyOptions> options) : IDisposable
{
    private const int BatchSize = 5000;

    private const string ImpressionsSql = """
        SELECT i.recommendation_id, i.created_at, i.segment_key, i.item_ids, i.priors, i.sources, i.blend_features,
               CASE WHEN $5 THEN (
                   SELECT n.segment_key FROM impressions n
                   WHERE n.user_id = i.user_id AND (n.created_at, n.recommendation_id) > (i.created_at, i.recommendation_id)
                     AND n.created_at <= i.created_at + $6
                   ORDER BY n.created_at, n.recommendation_id LIMIT 1) END
        FROM impressions i
        WHERE (i.created_at, i.recommendation_id) > ($1, $2) AND i.created_at < $3
        ORDER BY i.created_at, i.recommendation_id
        LIMIT $4
        """;

    private const string RewardsSql = """
        SELECT recommendation_id, item_id, sum(reward) FROM feedback
        WHERE recommendation_id = ANY($1)
        GROUP BY recommendation_id, item_id
        """;

    private readonly PolicyOptions _options = options.Value;
    private readonly LearningRule _rule = options.Value.Rule();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    /// <summary>The last impression folded: (created_at, recommendation_id).</summary>
    public Watermark Settled { get; private set; } = Watermark.Start;

    /// <summary>Shown items settled with the default reward (no feedback came back) since start.</summary>
    public long DefaultRewardCount => Interlocked.Read(ref _defaultRewards);

    private long _defaultRewards;

    /// <summary>Impressions created before this are settled (or were never logged in time); feedback for them is refused.</summary>
    private async Task<DateTimeOffset> CutoffAsync(CancellationToken cancellationToken) =>
        await clock.NowAsync(cancellationToken) - _options.RewardWindow - _options.SettleDelay - (_options.Discount > 0 ? _options.RewardWindow : TimeSpan.Zero);

    /// <summary>Runs <paramref name="action"/> while no settling happens (a snapshot sees one consistent table and watermark).</summary>
    public async Task<T> ExclusiveAsync<T>(Func<Watermark, T> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return action(Settled);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sets the table's starting point (a loaded snapshot); call before the first settle.</summary>
    internal void Restart(Watermark watermark)
    {
        Settled = watermark;
    }

    /// <summary>Folds everything that is due; returns the number of impressions folded.</summary>
    public async Task<int> SettleAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Impressions still in this replica's buffer would be missing from the rows read below.
            await impressions.FlushAsync(cancellationToken);
            var cutoff = await CutoffAsync(cancellationToken);
            var folded = 0;
            while (true)
            {
                var batch = await ReadAsync(cutoff, cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }
                var rewards = await ReadRewardsAsync(batch, cancellationToken);
                foreach (var impression in batch)
                {
                    Fold(impression, rewards);
                }
                folded += batch.Count;
                Settled = new Watermark(batch[^1].CreatedAt, batch[^1].RecommendationId);
                if (batch.Count < BatchSize)
                {
                    break;
                }
            }
            impressions.ReleaseBefore(cutoff);
            if (folded > 0)
            {
                priors.Calibrate();
            }
            else
            {
                priors.CalibrateShelves();
            }
            return folded;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Fold(SettleRow impression, Dictionary<(string, string), double> rewards)
    {
        var row = table.Row(impression.SegmentKey);
        var global = table.Row(QTable.GlobalKey);
        // γ > 0: s' is the user's segment at their next impression within the window; none means the episode ended.
        var bootstrap = _options.Discount > 0 && impression.NextSegmentKey is { } next && table.TryGetRow(next, out var nextRow)
            ? _options.Discount * (nextRow.MaxValue() ?? 0)
            : 0;
        for (var i = 0; i < impression.ItemIds.Length; i++)
        {
            var item = impression.ItemIds[i];
            if (!rewards.TryGetValue((impression.RecommendationId, item), out var reward))
            {
                reward = _options.Rewards.Default;
                Interlocked.Increment(ref _defaultRewards);
            }
            var prior = i < impression.Priors.Length ? impression.Priors[i] : _options.DefaultPrior;
            row.Settle(item, prior, reward + bootstrap, _rule);
            // What the items a candidate source proposed earn, per segment: the blend's learnt weight of that source.
            if (i < impression.Sources.Length && PolicyScorer.IsBlendedSource(impression.Sources[i]))
            {
                table.Row(QTable.SourcesKey(impression.SegmentKey)).Settle(impression.Sources[i], prior, reward, _rule);
            }
            var features = ImpressionLog.BlendFeaturesOf(impression.BlendFeatures, impression.ItemIds.Length, i);
            if (!features.IsEmpty)
            {
                table.Row(QTable.SourcesKey(impression.SegmentKey)).SettleBlend(features, reward, _options.BlendMemory);
            }
            // The same target as the row's totals: a restart rebuilds the shop's totals as the sum of the rows'.
            global.AddToTotals(reward + bootstrap);
        }
        impressions.Settled(impression.RecommendationId);
    }

    private sealed record SettleRow(
        string RecommendationId, DateTimeOffset CreatedAt, string SegmentKey, string[] ItemIds, double[] Priors, string[] Sources, double[]? BlendFeatures, string? NextSegmentKey);

    private async Task<List<SettleRow>> ReadAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var rows = new List<SettleRow>();
        await using var command = dataSource.CreateCommand(ImpressionsSql);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = Settled.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Settled.RecommendationId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = _options.Discount > 0 });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _options.RewardWindow });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SettleRow(
                reader.GetString(0),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero),
                reader.GetString(2),
                reader.GetFieldValue<string[]>(3),
                reader.GetFieldValue<double[]>(4),
                reader.GetFieldValue<string[]>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<double[]>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return rows;
    }

    private async Task<Dictionary<(string, string), double>> ReadRewardsAsync(List<SettleRow> batch, CancellationToken cancellationToken)
    {
        var rewards = new Dictionary<(string, string), double>();
        await using var command = dataSource.CreateCommand(RewardsSql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(b => b.RecommendationId)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rewards[(reader.GetString(0), reader.GetString(1))] = reader.GetDouble(2);
        }
        return rewards;
    }
}

/// <summary>A position in the impression order.</summary>
public readonly record struct Watermark(DateTimeOffset CreatedAt, string RecommendationId)
{
    public static readonly Watermark Start = new(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), "");
}

/// <summary>Settles closed windows every Policy:SweepInterval once the policy state is loaded.</summary>
public sealed class OutcomeSweeperService(
    OutcomeSweeper sweeper,
    PolicyReadiness readiness,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider,
    ILogger<OutcomeSweeperService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.SweepInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var folded = await sweeper.SettleAsync(stoppingToken);
                if (folded > 0)
                {
                    logger.LogDebug("Settled {Count} impressions", folded);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Settling closed reward windows failed");
            }
        }
    }
}

using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Feedback;

namespace SegmentService.Api.Policy;

/// <summary>A reward to log and learn from: for one item of one recommendation.</summary>
public readonly record struct RewardInput(
    string RecommendationId, string UserId, string ItemId, FeedbackType Type, double Reward, decimal? Amount);

/// <summary>
/// Applies rewards: Q[s,a] ← Q[s,a] + η (r − Q[s,a]). Under the segment's gate and, in the insert's transaction,
/// its advisory lock (see <see cref="FeedbackLog"/>), it first applies the rows other replicas logged for the segment, then
/// logs each reward in the feedback table (unique per recommendation, item and type) and applies
/// only the rows that were new, in their sequence order, so a replay of the log gives the same table.
/// With γ > 0 the rest of the Q-learning update, η·γ·max_a' Q[s',a'] with s' the user's segment at their
/// next recommendation, is left pending in <see cref="NextSegmentBootstraps"/> for that request.
/// </summary>
public sealed class PolicyLearner(
    QTable table,
    ItemPriors priors,
    NextSegmentBootstraps bootstraps,
    IOptions<PolicyOptions> options,
    NpgsqlDataSource dataSource,
    TimeProvider timeProvider)
{
    private const string InsertSql = """
        INSERT INTO feedback (recommendation_id, item_id, type, user_id, segment_key, reward, initial_q, target,
                              learning_rate, next_segment_key, amount, created_at)
        SELECT f.recommendation_id, f.item_id, f.type, f.user_id, $5, f.reward, f.initial_q, f.target,
               $6, f.next_segment_key, f.amount, $7
        FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[], $8::float8[], $9::float8[], $10::float8[],
                    $11::text[], $12::numeric[]) WITH ORDINALITY
             AS f(recommendation_id, item_id, type, user_id, reward, initial_q, target, next_segment_key, amount, ord)
        WHERE NOT $13 OR NOT EXISTS (
            SELECT 1 FROM feedback x WHERE x.recommendation_id = f.recommendation_id AND x.item_id = f.item_id)
        ORDER BY f.ord
        ON CONFLICT (recommendation_id, item_id, type) WHERE type <> 4 DO NOTHING
        RETURNING seq, recommendation_id, item_id, type, initial_q, target, user_id
        """;

    private readonly PolicyOptions _options = options.Value;

    /// <summary>A row that was logged and applied.</summary>
    public readonly record struct Applied(long Seq, string RecommendationId, string ItemId, FeedbackType Type);

    /// <summary>
    /// Logs and applies <paramref name="rewards"/> for <paramref name="segmentKey"/> (the segment of the impression).
    /// <paramref name="stillOpen"/> is checked under the gate; false means nothing is written.
    /// With <paramref name="onlyIfNoFeedback"/>, a reward is skipped when its item already has feedback of any type.
    /// Returns the rows applied (repeats are not among them), or null when <paramref name="stillOpen"/> said no.
    /// </summary>
    public async Task<IReadOnlyList<Applied>?> ApplyAsync(
        string segmentKey,
        IReadOnlyList<RewardInput> rewards,
        Func<bool> stillOpen,
        bool onlyIfNoFeedback,
        CancellationToken cancellationToken)
    {
        var row = table.Row(segmentKey);
        await row.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!stillOpen())
            {
                return null;
            }
            // The segment's advisory lock orders this insert after every other replica's rows for the segment;
            // apply those first, so the starting values logged below are the ones replay will see.
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await FeedbackLog.LockAndCatchUpAsync(connection, transaction, segmentKey, row, cancellationToken);
            var n = rewards.Count;
            var initial = new double[n];
            var targets = new double[n];
            var next = new string?[n]; // s' is logged on the Bootstrap row, not on the reward row
            for (var i = 0; i < n; i++)
            {
                var r = rewards[i];
                initial[i] = row.TryGet(r.ItemId, out var entry) ? entry.Value : priors.Prior(segmentKey, r.ItemId);
                // γ·max_a' Q[s',a'] is added at the user's next recommendation (a Bootstrap row), not here.
                targets[i] = r.Reward;
            }

            await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rewards.Select(r => r.RecommendationId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rewards.Select(r => r.ItemId)] });
            command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. rewards.Select(r => (short)r.Type)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rewards.Select(r => r.UserId)] });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = segmentKey });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = _options.LearningRate });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = timeProvider.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. rewards.Select(r => r.Reward)] });
            command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = initial });
            command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = targets });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = next });
            command.Parameters.Add(new NpgsqlParameter<decimal?[]> { TypedValue = [.. rewards.Select(r => r.Amount)] });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = onlyIfNoFeedback });

            var applied = new List<(Applied Row, double Initial, double Target, string UserId)>(n);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add((new Applied(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (FeedbackType)reader.GetInt16(3)),
                        reader.GetDouble(4), reader.GetDouble(5), reader.GetString(6)));
                }
            }
            await transaction.CommitAsync(cancellationToken);
            // The rows are committed: apply them now, whatever the caller's token says, or memory would lag the log.
            foreach (var (a, init, target, userId) in applied.OrderBy(x => x.Row.Seq))
            {
                row.Apply(a.ItemId, init, target, _options.LearningRate, a.Seq);
                bootstraps.Register(userId, segmentKey, a.RecommendationId, a.ItemId, a.Seq);
            }
            return [.. applied.Select(x => x.Row)];
        }
        finally
        {
            row.Gate.Release();
        }
    }
}

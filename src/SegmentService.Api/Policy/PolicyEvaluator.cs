using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Recommendations;

namespace SegmentService.Api.Policy;

/// <summary>
/// Replays logged impressions against the current Q-table. Each shown slot is one logged decision with
/// the logged propensity; the target probability is computed over that slot's candidates, rebuilt as
/// today's in-stock catalogue (in the impression's category) minus the earlier slots' items, plus the shown item.
/// </summary>
public sealed class PolicyEvaluator(
    QTable table,
    ItemPriors priors,
    InStockCatalog catalog,
    ImpressionLog impressions,
    NpgsqlDataSource dataSource,
    IOptions<PolicyOptions> options)
{
    public const int MaxImpressions = 100_000;

    public async Task<PolicyEvaluation> EvaluateAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await impressions.FlushAsync(cancellationToken);
        var rewards = new Dictionary<(string, string), double>();
        await using (var command = dataSource.CreateCommand("""
            SELECT f.recommendation_id, f.item_id, sum(f.reward) FROM feedback f
            JOIN impressions i ON i.recommendation_id = f.recommendation_id
            WHERE i.created_at >= $1 AND i.created_at < $2 AND f.type <> 4
            GROUP BY f.recommendation_id, f.item_id
            """))
        {
            AddRange(command, from, to);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rewards[(reader.GetString(0), reader.GetString(1))] = reader.GetDouble(2);
            }
        }

        var policy = options.Value;
        var greedy = new List<LoggedDecision>();
        var exploring = new List<LoggedDecision>();
        var used = 0;
        await using (var command = dataSource.CreateCommand("""
            SELECT recommendation_id, segment_key, category, item_ids, propensities FROM impressions
            WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at LIMIT $3
            """))
        {
            AddRange(command, from, to);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxImpressions });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var rec = reader.GetString(0);
                var segment = reader.GetString(1);
                var category = reader.IsDBNull(2) ? null : reader.GetString(2);
                var shown = reader.GetFieldValue<string[]>(3);
                var propensities = reader.GetFieldValue<double[]>(4);
                var candidates = catalog.View.Candidates(category).Union(shown, StringComparer.Ordinal).ToArray();
                var scores = new double[candidates.Length];
                table.Row(segment).Read(candidates, scores);
                priors.FillMissing(segment, candidates, scores);
                var index = new Dictionary<string, int>(candidates.Length, StringComparer.Ordinal);
                for (var i = 0; i < candidates.Length; i++)
                {
                    index[candidates[i]] = i;
                }
                var removed = new bool[candidates.Length];
                var remaining = new List<double>(candidates.Length);
                for (var slot = 0; slot < shown.Length; slot++)
                {
                    remaining.Clear();
                    var chosen = -1;
                    for (var i = 0; i < candidates.Length; i++)
                    {
                        if (removed[i])
                        {
                            continue;
                        }
                        if (candidates[i] == shown[slot])
                        {
                            chosen = remaining.Count;
                        }
                        remaining.Add(scores[i]);
                    }
                    var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(remaining);
                    var reward = rewards.GetValueOrDefault((rec, shown[slot]));
                    greedy.Add(new LoggedDecision(reward, propensities[slot],
                        SlateSelector.Probability(span, chosen, ExplorationKind.EpsilonGreedy, 0, policy.Temperature)));
                    exploring.Add(new LoggedDecision(reward, propensities[slot],
                        SlateSelector.Probability(span, chosen, policy.Exploration, policy.Epsilon, policy.Temperature)));
                    removed[index[shown[slot]]] = true;
                }
                used++;
            }
        }
        var g = OffPolicyEstimator.Estimate(greedy);
        var e = OffPolicyEstimator.Estimate(exploring);
        return new PolicyEvaluation(from, to, used, g.Decisions, g.LoggedMeanReward, new(g.Ips, g.Snips), new(e.Ips, e.Snips));
    }

    private static void AddRange(NpgsqlCommand command, DateTimeOffset from, DateTimeOffset to)
    {
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = to.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }
}

using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Policy;

/// <summary>The in-stock candidates of a category, as /recommend sees them now (Recommendations provides it).</summary>
public interface ICandidateCatalog
{
    string[] Candidates(string? category);

    /// <summary>The category of an in-stock item; null when it is not in stock.</summary>
    string? CategoryOf(string itemId);
}

/// <summary>
/// Scores the policy that was in force at <c>from</c> (the latest snapshot taken by then) on the impressions logged
/// after it, so the table is never scored on the rows it learnt from. Each slate's candidates are today's in-stock
/// catalogue in the impression's category minus what that request excluded (logged with it), plus what was shown;
/// cells the snapshot lacks start from today's priors. Slots are weighted by cumulative ratios (<see cref="OffPolicyEstimator"/>).
/// </summary>
public sealed class PolicyEvaluator(
    PolicySnapshotStore snapshots,
    PolicyScorer scorer,
    ICandidateCatalog catalog,
    ImpressionLog impressions,
    NpgsqlDataSource dataSource,
    IOptions<PolicyOptions> options)
{
    public const int MaxImpressions = 100_000;

    public async Task<PolicyEvaluation> EvaluateAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await impressions.FlushAsync(cancellationToken);
        var stored = await snapshots.FindAsync(from, cancellationToken);
        var table = new QTable();
        table.Restore(stored?.Rows ?? []);

        var rewards = new Dictionary<(string, string), double>();
        await using (var command = dataSource.CreateCommand("""
            SELECT f.recommendation_id, f.item_id, sum(f.reward) FROM feedback f
            JOIN impressions i ON i.recommendation_id = f.recommendation_id
            WHERE i.created_at >= $1 AND i.created_at < $2
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
        var greedy = new List<LoggedDecision[]>();
        var exploring = new List<LoggedDecision[]>();
        await using (var command = dataSource.CreateCommand("""
            SELECT recommendation_id, segment_key, category, item_ids, propensities, excluded FROM impressions
            WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at LIMIT $3
            """))
        {
            AddRange(command, from, to);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxImpressions });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var rec = reader.GetString(0);
                var shown = reader.GetFieldValue<string[]>(3);
                var excluded = reader.GetFieldValue<string[]>(5).ToHashSet(StringComparer.Ordinal);
                var candidates = catalog.Candidates(reader.IsDBNull(2) ? null : reader.GetString(2))
                    .Where(id => !excluded.Contains(id)).Union(shown, StringComparer.Ordinal).ToArray();
                var (g, e) = Replay(table, reader.GetString(1), candidates, shown, reader.GetFieldValue<double[]>(4),
                    shown.Select(item => rewards.TryGetValue((rec, item), out var r) ? r : policy.Rewards.Default).ToArray());
                greedy.Add(g);
                exploring.Add(e);
            }
        }
        var greedyEstimate = OffPolicyEstimator.Estimate(greedy);
        var exploringEstimate = OffPolicyEstimator.Estimate(exploring);
        return new PolicyEvaluation(
            from, to, stored?.Version ?? 0, stored?.TakenAt, greedyEstimate.Slates, greedyEstimate.Decisions, greedyEstimate.LoggedMeanReward,
            Estimator, Values(greedyEstimate), Values(exploringEstimate));
    }

    public const string Estimator = "slate IPS with cumulative per-slot ratios (and its self-normalised form)";

    private static EstimateValues Values(OffPolicyEstimate e) => new(e.Ips, e.IpsStandardError, e.Snips, e.SnipsStandardError);

    /// <summary>Each logged slot with the greedy and the exploring policy's probability of the same pick, given the earlier slots.</summary>
    private (LoggedDecision[] Greedy, LoggedDecision[] Exploring) Replay(
        QTable table, string segment, string[] candidates, string[] shown, double[] propensities, double[] rewards)
    {
        var n = candidates.Length;
        var priorValues = new double[n];
        var means = new double[n];
        var selection = new double[n];
        scorer.Score(table, segment, candidates, priorValues, means, selection);
        scorer.ReserveGreedySlots(means, selection, shown.Length);
        var index = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            index[candidates[i]] = i;
        }
        var policy = options.Value;
        var removed = new bool[n];
        var remainingMeans = new List<double>(n);
        var remainingSelection = new List<double>(n);
        var greedy = new LoggedDecision[shown.Length];
        var exploring = new LoggedDecision[shown.Length];
        for (var slot = 0; slot < shown.Length; slot++)
        {
            remainingMeans.Clear();
            remainingSelection.Clear();
            var chosen = -1;
            for (var i = 0; i < n; i++)
            {
                if (removed[i])
                {
                    continue;
                }
                if (candidates[i] == shown[slot])
                {
                    chosen = remainingMeans.Count;
                }
                remainingMeans.Add(means[i]);
                remainingSelection.Add(selection[i]);
            }
            greedy[slot] = new LoggedDecision(rewards[slot], propensities[slot],
                SlateSelector.Probability(CollectionsMarshal.AsSpan(remainingMeans), chosen, ExplorationKind.EpsilonGreedy, 0, policy.Temperature));
            var kind = policy.Exploration == ExplorationKind.Softmax ? ExplorationKind.Softmax : ExplorationKind.EpsilonGreedy;
            exploring[slot] = new LoggedDecision(rewards[slot], propensities[slot],
                SlateSelector.Probability(CollectionsMarshal.AsSpan(remainingSelection), chosen, kind, policy.Epsilon, policy.Temperature));
            removed[index[shown[slot]]] = true;
        }
        return (greedy, exploring);
    }

    private static void AddRange(NpgsqlCommand command, DateTimeOffset from, DateTimeOffset to)
    {
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = to.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }
}

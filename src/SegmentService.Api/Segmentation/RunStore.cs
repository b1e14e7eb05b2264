using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Events;
using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

/// <summary>Reads and writes runs, segments and assignments with hand-written SQL; assignments move by binary COPY.</summary>
public sealed class RunStore(NpgsqlDataSource dataSource)
{
    public async Task<long> CreateAsync(string trigger, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO segmentation_runs (status, trigger, started_at) VALUES ($1, $2, $3) RETURNING run_id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunStatus.Running });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = trigger });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = startedAt });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Called with the run lock held: a run still 'running' belongs to a replica that died mid-run.</summary>
    public async Task AbandonRunningAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE segmentation_runs SET status = $1, finished_at = $2, error = 'abandoned: its replica stopped during the run' WHERE status = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunStatus.Failed });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunStatus.Running });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long?> RunningIdAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT max(run_id) FROM segmentation_runs WHERE status = 'running'");
        return await command.ExecuteScalarAsync(cancellationToken) is long id ? id : null;
    }

    /// <summary>Whether a run with this trigger started at or after <paramref name="since"/> (any replica).</summary>
    public async Task<bool> StartedSinceAsync(string trigger, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM segmentation_runs WHERE trigger = $1 AND started_at >= $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = trigger });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public async Task<string?> StatusAsync(long runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT status FROM segmentation_runs WHERE run_id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<long?> LatestSucceededIdAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT max(run_id) FROM segmentation_runs WHERE status = 'succeeded'");
        return await command.ExecuteScalarAsync(cancellationToken) is long id ? id : null;
    }

    /// <summary>Records a run that ended without a result (skipped or failed).</summary>
    public async Task FinishWithoutResultAsync(
        long runId, string status, string message, int? users, DateTimeOffset finishedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE segmentation_runs SET status = $2, error = $3, users = $4, finished_at = $5 WHERE run_id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)users ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = finishedAt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stores a succeeded run in one transaction: segments, every assignment (COPY), top items, the run row.</summary>
    public async Task CommitAsync(RunOutcome run, TimeSpan topItemsWindow, int topItems, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var segment in run.Segments)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO segments (run_id, key, label, size, centroid_std, centroid, matched_from, top_items) " +
                "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, '{}')", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = run.RunId });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = segment.Key });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = segment.Label });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = segment.Size });
            insert.Parameters.Add(new NpgsqlParameter<float[]> { TypedValue = segment.CentroidStd });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunJson.Serialize(segment.Centroid) });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)segment.MatchedFrom ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY segment_assignments (run_id, user_id, segment_key, distance) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            var keys = run.Segments.Select(s => s.Key).ToArray();
            for (var i = 0; i < run.UserIds.Count; i++)
            {
                copy.StartRow();
                copy.Write(run.RunId, NpgsqlDbType.Bigint);
                copy.Write(run.UserIds[i], NpgsqlDbType.Text);
                copy.Write(keys[run.Labels[i]], NpgsqlDbType.Text);
                copy.Write(run.Distances[i], NpgsqlDbType.Real);
            }
            await copy.CompleteAsync(cancellationToken);
        }

        await using (var top = new NpgsqlCommand(TopItemsSql, connection, transaction))
        {
            top.Parameters.Add(new NpgsqlParameter<long> { TypedValue = run.RunId });
            top.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = run.FinishedAt - topItemsWindow });
            top.Parameters.Add(new NpgsqlParameter<int> { TypedValue = topItems });
            await top.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var update = new NpgsqlCommand("""
            UPDATE segmentation_runs SET status = 'succeeded', previous_run_id = $2, k = $3, users = $4, features = $5::jsonb,
                metrics = $6::jsonb, transitions = $7::jsonb, model = $8, finished_at = $9
            WHERE run_id = $1
            """, connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = run.RunId });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)run.PreviousRunId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = run.Segments.Count });
            update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = run.UserIds.Count });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunJson.Serialize(run.Specs) });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunJson.Serialize(run.Metrics) });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunJson.Serialize(run.Transitions) });
            update.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = run.Model });
            update.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = run.FinishedAt });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    // Engagement: view 1, click 2, add to cart 3, purchase 5, over the events of the window.
    // The score a segment's top items are ranked by: view 1, click 2, cart 3, purchase 5 (the enum, never bare numbers).
    private static readonly string EventScore =
        $"CASE e.type WHEN {(short)EventType.Purchase} THEN 5 WHEN {(short)EventType.AddToCart} THEN 3 WHEN {(short)EventType.Click} THEN 2 ELSE 1 END";

    // Events sent with the public frontend key are stored but never train, so they do not make a segment's top items.
    private static readonly string TopItemsSql = $"""
        UPDATE segments s SET top_items = t.items
        FROM (
            SELECT segment_key, array_agg(item_id ORDER BY score DESC, item_id) AS items
            FROM (
                SELECT a.segment_key, e.item_id, sum({EventScore}) AS score,
                       row_number() OVER (PARTITION BY a.segment_key
                                          ORDER BY sum({EventScore}) DESC, e.item_id) AS rank
                FROM events e JOIN segment_assignments a ON a.run_id = $1 AND a.user_id = e.user_id
                WHERE e.occurred_at >= $2 AND NOT starts_with(e.event_id, '{EventNamespaces.FrontendPrefix}')
                GROUP BY a.segment_key, e.item_id
            ) ranked
            WHERE rank <= $3
            GROUP BY segment_key
        ) t
        WHERE s.run_id = $1 AND s.key = t.segment_key
        """;

    /// <summary>Loads a succeeded run into memory: scaling, segments, every assignment (COPY) and its live moves.</summary>
    public async Task<(RunState State, SegmentationRunCommitted Committed, long LiveWatermark)> LoadAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        string features, transitions;
        DateTimeOffset finishedAt;
        long? previous;
        await using (var run = new NpgsqlCommand(
            "SELECT features::text, transitions::text, finished_at, previous_run_id FROM segmentation_runs WHERE run_id = $1", connection))
        {
            run.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            await using var reader = await run.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException($"Run {runId} does not exist.");
            }
            (features, transitions, finishedAt) = (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
            previous = reader.IsDBNull(3) ? null : reader.GetInt64(3);
        }
        var keys = new List<string>();
        var labels = new List<string>();
        var centroids = new List<float[]>();
        await using (var segments = new NpgsqlCommand(
            "SELECT key, label, centroid_std FROM segments WHERE run_id = $1 ORDER BY key", connection))
        {
            segments.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            await using var reader = await segments.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                keys.Add(reader.GetString(0));
                labels.Add(reader.GetString(1));
                centroids.Add(reader.GetFieldValue<float[]>(2));
            }
        }
        var index = keys.Select((key, i) => (key, i)).ToDictionary(p => p.key, p => p.i, StringComparer.Ordinal);
        var users = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var export = await connection.BeginBinaryExportAsync(
            $"COPY (SELECT user_id, segment_key FROM segment_assignments WHERE run_id = {runId}) TO STDOUT (FORMAT BINARY)", cancellationToken))
        {
            while (await export.StartRowAsync(cancellationToken) != -1)
            {
                var user = export.Read<string>(NpgsqlDbType.Text);
                users[user] = index[export.Read<string>(NpgsqlDbType.Text)];
            }
        }
        var state = new RunState(runId, finishedAt, keys, labels, centroids, RunJson.Deserialize<FeatureSpec[]>(features), users);
        var watermark = await LoadLiveAsync(connection, state, 0, cancellationToken);
        var committed = new SegmentationRunCommitted(runId, previous, keys, RunJson.Deserialize<SegmentTransition[]>(transitions));
        return (state, committed, watermark);
    }

    /// <summary>Applies live moves of the state's run written after <paramref name="afterSeq"/>; returns the new watermark.</summary>
    public async Task<long> LoadLiveAsync(RunState state, long afterSeq, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await LoadLiveAsync(connection, state, afterSeq, cancellationToken);
    }

    private static async Task<long> LoadLiveAsync(NpgsqlConnection connection, RunState state, long afterSeq, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT user_id, segment_key, assigned_at, seq FROM live_assignments WHERE run_id = $1 AND seq > $2", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = state.RunId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSeq });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var watermark = afterSeq;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (state.IndexOf(reader.GetString(1)) is var segment and >= 0)
            {
                state.Live[reader.GetString(0)] = (segment, reader.GetFieldValue<DateTimeOffset>(2));
            }
            watermark = Math.Max(watermark, reader.GetInt64(3));
        }
        return watermark;
    }

    /// <summary>Persists live moves in one statement.</summary>
    public async Task SaveLiveAsync(long runId, string[] users, string[] keys, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO live_assignments AS l (user_id, run_id, segment_key, assigned_at)
            SELECT u, $2, k, $4 FROM unnest($1::text[], $3::text[]) AS x(u, k) ORDER BY u
            ON CONFLICT (user_id) DO UPDATE SET run_id = excluded.run_id, segment_key = excluded.segment_key,
                assigned_at = excluded.assigned_at, seq = DEFAULT
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = users });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes the per-user assignments of succeeded runs older than the latest <paramref name="keep"/>.</summary>
    public async Task<int> PruneAsync(int keep, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM segment_assignments WHERE run_id < (
                SELECT min(run_id) FROM (
                    SELECT run_id FROM segmentation_runs WHERE status = 'succeeded' ORDER BY run_id DESC LIMIT $1) kept)
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = keep });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The largest seg-N number used so far, so new segments never reuse a retired key.</summary>
    public async Task<int> MaxSegmentNumberAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(max(substring(key FROM 5)::int), 0) FROM segments WHERE key ~ '^seg-[0-9]+$'");
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

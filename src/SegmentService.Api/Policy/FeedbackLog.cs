using Npgsql;
using SegmentService.Api.Feedback;

namespace SegmentService.Api.Policy;

/// <summary>
/// The feedback log as every replica reads it. A segment's rows are written under a PostgreSQL advisory lock on
/// that segment (taken in the insert's transaction, before its seqs are drawn), so they commit in seq order: a
/// row's <see cref="QRow.LastSeq"/> then means "every row of this segment up to here is applied", and reading
/// <c>seq &gt; LastSeq</c> gives exactly the rows still to apply, in order. Applying is the same arithmetic
/// everywhere (writer, follower, start-up replay).
/// </summary>
public static class FeedbackLog
{
    private const string Columns = "seq, item_id, initial_q, target, learning_rate, type";

    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

    private const string SegmentRowsSql = $"SELECT {Columns} FROM feedback WHERE segment_key = $1 AND seq > $2 ORDER BY seq";

    /// <summary>
    /// Every segment in the log (a loose index scan over (segment_key, seq)) and its rows above its watermark:
    /// the row's LastSeq when the caller has the segment, else <c>$3</c>.
    /// </summary>
    private const string AllRowsSql = $"""
        WITH RECURSIVE keys(k) AS (
            SELECT min(segment_key) FROM feedback
            UNION ALL
            SELECT (SELECT min(x.segment_key) FROM feedback x WHERE x.segment_key > keys.k) FROM keys WHERE keys.k IS NOT NULL
        )
        SELECT keys.k, f.seq, f.item_id, f.initial_q, f.target, f.learning_rate, f.type
        FROM keys
        LEFT JOIN unnest($1::text[], $2::bigint[]) AS w(key, last_seq) ON w.key = keys.k
        CROSS JOIN LATERAL (
            SELECT {Columns} FROM feedback y
            WHERE y.segment_key = keys.k AND y.seq > coalesce(w.last_seq, $3)
        ) f
        WHERE keys.k IS NOT NULL
        ORDER BY keys.k, f.seq
        """;

    /// <summary>One logged update, as replay applies it.</summary>
    public readonly record struct LogRow(long Seq, string ItemId, double Initial, double Target, double LearningRate, FeedbackType Type);

    /// <summary>Applies one row: a Bootstrap row adds η·target, any other moves Q towards its target.</summary>
    public static void Apply(QRow row, in LogRow r)
    {
        if (r.Type == FeedbackType.Bootstrap)
        {
            row.ApplyBootstrap(r.ItemId, r.Initial, r.Target, r.LearningRate, r.Seq);
        }
        else
        {
            row.Apply(r.ItemId, r.Initial, r.Target, r.LearningRate, r.Seq);
        }
    }

    private static LogRow Read(NpgsqlDataReader reader, int offset) => new(
        reader.GetInt64(offset), reader.GetString(offset + 1), reader.GetDouble(offset + 2), reader.GetDouble(offset + 3),
        reader.GetDouble(offset + 4), (FeedbackType)reader.GetInt16(offset + 5));

    /// <summary>
    /// Call under <paramref name="row"/>'s gate: opens a transaction on <paramref name="connection"/>, takes the segment's
    /// advisory lock (held until the transaction ends) and applies the segment's rows other replicas committed since
    /// <see cref="QRow.LastSeq"/>. The caller then computes from the row, inserts in the same transaction and commits.
    /// Returns how many rows were applied.
    /// </summary>
    public static async Task<int> LockAndCatchUpAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string segmentKey, QRow row, CancellationToken cancellationToken)
    {
        await using (var lockCommand = new NpgsqlCommand(LockSql, connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<string> { TypedValue = segmentKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        // A new statement, so a new snapshot (read committed): it sees every row committed before the lock was granted.
        var rows = new List<LogRow>();
        await using (var command = new NpgsqlCommand(SegmentRowsSql, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = segmentKey });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.LastSeq });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Read(reader, 0));
            }
        }
        foreach (var r in rows)
        {
            Apply(row, r);
        }
        return rows.Count;
    }

    /// <summary>
    /// Applies every segment's rows above its watermark (<see cref="QRow.LastSeq"/>, or <paramref name="defaultWatermark"/>
    /// for a segment the table does not have), one query, then segment by segment under each one's gate.
    /// Returns how many rows were applied.
    /// </summary>
    public static async Task<int> CatchUpAllAsync(
        NpgsqlDataSource dataSource, QTable table, long defaultWatermark, CancellationToken cancellationToken)
    {
        var keys = table.Keys;
        var watermarks = keys.Select(k => table.Row(k).LastSeq).ToArray();
        var bySegment = new List<(string Key, List<LogRow> Rows)>();
        await using (var command = dataSource.CreateCommand(AllRowsSql))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys] });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = watermarks });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = defaultWatermark });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = reader.GetString(0);
                if (bySegment.Count == 0 || !string.Equals(bySegment[^1].Key, key, StringComparison.Ordinal))
                {
                    bySegment.Add((key, []));
                }
                bySegment[^1].Rows.Add(Read(reader, 1));
            }
        }
        var applied = 0;
        foreach (var (key, rows) in bySegment)
        {
            var row = table.Row(key);
            await row.Gate.WaitAsync(CancellationToken.None);
            try
            {
                // The writer may have caught up further meanwhile: apply only what is still above the row's watermark.
                var from = row.LastSeq;
                foreach (var r in rows)
                {
                    if (r.Seq > from)
                    {
                        Apply(row, r);
                        applied++;
                    }
                }
            }
            finally
            {
                row.Gate.Release();
            }
        }
        return applied;
    }
}

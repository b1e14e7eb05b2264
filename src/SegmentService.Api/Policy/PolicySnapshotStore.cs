using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Policy;

/// <summary>
/// Saves and restores the settled Q-table with the watermark it includes. A restart loads the latest snapshot and lets
/// <see cref="OutcomeSweeper"/> fold the impressions after its watermark: the same rows in the same order as live, so
/// the table is the replay of the log. Versions come from a database sequence, unique across replicas.
/// </summary>
public sealed class PolicySnapshotStore(
    QTable table,
    OutcomeSweeper sweeper,
    NpgsqlDataSource dataSource,
    TimeProvider timeProvider,
    ILogger<PolicySnapshotStore> logger) : IDisposable
{
    // 3 adds the source rows' blend statistics; 2 (without them) still loads.
    private const int Format = 3;
    private readonly SemaphoreSlim _saving = new(1, 1);
    private Watermark? _lastSaved;

    public void Dispose() => _saving.Dispose();

    /// <summary>A stored table: its rows and the last impression it settled.</summary>
    public sealed record Stored(long Version, DateTimeOffset TakenAt, Watermark Watermark, IReadOnlyList<QRowSnapshot> Rows);

    /// <summary>Saves a snapshot unless nothing was settled since the last one; returns its version, or null when skipped.</summary>
    public async Task<long?> SaveAsync(bool force, CancellationToken cancellationToken)
    {
        await _saving.WaitAsync(cancellationToken);
        try
        {
            var (watermark, rows) = await sweeper.ExclusiveAsync(w => (w, table.Snapshot()), cancellationToken);
            if (!force && _lastSaved == watermark)
            {
                return null;
            }
            await using var insert = dataSource.CreateCommand("""
                INSERT INTO policy_snapshots (version, taken_at, segments, body)
                VALUES (nextval('policy_version'), $1, $2, $3) RETURNING version
                """);
            insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = timeProvider.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = rows.Count });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = Serialize(watermark, rows) });
            var version = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            table.SetVersion(Math.Max(version, table.Version));
            _lastSaved = watermark;
            logger.LogInformation("Saved policy snapshot {Version} ({Segments} segments)", version, rows.Count);
            return version;
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>The latest snapshot taken at or before <paramref name="at"/> (null: the latest of all); null when there is none.</summary>
    public async Task<Stored?> FindAsync(DateTimeOffset? at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT version, taken_at, body FROM policy_snapshots
            WHERE $1::timestamptz IS NULL OR taken_at <= $1
            ORDER BY version DESC LIMIT 20
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime?> { TypedValue = at?.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // Snapshots of an earlier rule (format 1) cannot be continued: skip them; the log replays from the start.
            if (Deserialize(reader.GetFieldValue<byte[]>(2)) is { } body)
            {
                return new Stored(reader.GetInt64(0), new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero), body.Watermark, body.Rows);
            }
        }
        return null;
    }

    /// <summary>Loads the latest snapshot and settles everything after it. Returns the number of impressions replayed.</summary>
    public async Task<int> LoadAsync(CancellationToken cancellationToken)
    {
        var stored = await FindAsync(null, cancellationToken);
        table.Restore(stored?.Rows ?? []);
        table.SetVersion(stored?.Version ?? 0);
        sweeper.Restart(stored?.Watermark ?? Watermark.Start);
        _lastSaved = stored?.Watermark;
        var replayed = await sweeper.SettleAsync(cancellationToken);
        logger.LogInformation("Loaded policy version {Version} ({Segments} segments) and settled {Replayed} impressions after it",
            stored?.Version ?? 0, stored?.Rows.Count ?? 0, replayed);
        return replayed;
    }

    internal static byte[] Serialize(Watermark watermark, IReadOnlyList<QRowSnapshot> rows)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Format);
            writer.Write(watermark.CreatedAt.UtcTicks);
            writer.Write(watermark.RecommendationId);
            writer.Write(rows.Count);
            foreach (var row in rows)
            {
                writer.Write(row.Key);
                writer.Write(row.Totals.Impressions);
                writer.Write(row.Totals.Reward);
                writer.Write(row.Totals.SquaredReward);
                writer.Write(row.Cells.Count);
                foreach (var (item, cell) in row.Cells)
                {
                    writer.Write(item);
                    writer.Write(cell.Value);
                    writer.Write(cell.Impressions);
                }
                writer.Write(row.Blend?.Count ?? 0);
                foreach (var value in row.Blend ?? [])
                {
                    writer.Write(value);
                }
            }
        }
        return stream.ToArray();
    }

    internal static (Watermark Watermark, IReadOnlyList<QRowSnapshot> Rows)? Deserialize(byte[] body)
    {
        using var reader = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
        var format = reader.ReadInt32();
        if (format is not (2 or Format))
        {
            return null;
        }
        var watermark = new Watermark(new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero), reader.ReadString());
        var rows = new QRowSnapshot[reader.ReadInt32()];
        for (var r = 0; r < rows.Length; r++)
        {
            var key = reader.ReadString();
            var totals = new QRow.RowTotals(reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
            var count = reader.ReadInt32();
            var cells = new Dictionary<string, SettledCell>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                cells[reader.ReadString()] = new SettledCell(reader.ReadDouble(), reader.ReadInt64());
            }
            double[]? blend = null;
            if (format >= 3 && reader.ReadInt32() is var length and > 0)
            {
                blend = new double[length];
                for (var i = 0; i < length; i++)
                {
                    blend[i] = reader.ReadDouble();
                }
            }
            rows[r] = new QRowSnapshot(key, totals, cells, blend);
        }
        return (watermark, rows);
    }
}

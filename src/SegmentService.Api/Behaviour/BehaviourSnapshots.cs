using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Behaviour;

/// <summary>A stored image: when it was taken, its size, the time to store or load it, and (writing) how long the model's writer lock was held.</summary>
public readonly record struct SnapshotInfo(DateTimeOffset Watermark, long Bytes, TimeSpan Elapsed, TimeSpan Locked = default);

/// <summary>
/// Stores the behaviour model's image in PostgreSQL (behaviour_snapshots, behaviour_snapshot_chunks) and loads the
/// newest one. Only the newest is kept: a new image and the removal of older ones commit together.
/// </summary>
public sealed class BehaviourSnapshots(
    BehaviourModel model,
    NpgsqlDataSource dataSource,
    TimeProvider timeProvider,
    ILogger<BehaviourSnapshots> logger)
{
    /// <summary>Serialises the model (under its writer lock, in memory) then stores the image outside the lock.</summary>
    public async Task<SnapshotInfo> WriteAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var image = new ChunkedStream();
        var watermark = model.SaveSnapshot(image, timeProvider);
        var locked = clock.Elapsed;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var blocks = image.Blocks.ToList();
        long id;
        await using (var header = new NpgsqlCommand(
            "INSERT INTO behaviour_snapshots (watermark, format, chunks, bytes, written_at) VALUES ($1, $2, $3, $4, $5) RETURNING snapshot_id",
            connection, transaction))
        {
            header.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = watermark.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            header.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BehaviourModel.SnapshotFormat });
            header.Parameters.Add(new NpgsqlParameter<int> { TypedValue = blocks.Count });
            header.Parameters.Add(new NpgsqlParameter<long> { TypedValue = image.Length });
            header.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = timeProvider.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            id = (long)(await header.ExecuteScalarAsync(cancellationToken))!;
        }
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY behaviour_snapshot_chunks (snapshot_id, seq, data) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            for (var seq = 0; seq < blocks.Count; seq++)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(id, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(seq, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(blocks[seq], NpgsqlDbType.Bytea, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }
        // Only older images go: of two writers racing, the newer image survives whichever commits last.
        await using (var prune = new NpgsqlCommand(
            "DELETE FROM behaviour_snapshots WHERE (watermark, snapshot_id) < ($1, $2)", connection, transaction))
        {
            prune.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = watermark.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            prune.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new SnapshotInfo(watermark, image.Length, clock.Elapsed, locked);
    }

    /// <summary>Loads the newest image into the model; null when there is none, it was built with other settings or it cannot be decoded (then the model is unchanged).</summary>
    public async Task<SnapshotInfo?> TryLoadAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long id;
        DateTimeOffset watermark;
        await using (var header = new NpgsqlCommand(
            "SELECT snapshot_id, watermark FROM behaviour_snapshots WHERE format = $1 ORDER BY watermark DESC, snapshot_id DESC LIMIT 1", connection))
        {
            header.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BehaviourModel.SnapshotFormat });
            await using var reader = await header.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            id = reader.GetInt64(0);
            watermark = new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero);
        }
        using var image = new ChunkedStream();
        await using (var copy = await connection.BeginBinaryExportAsync(
            $"COPY (SELECT data FROM behaviour_snapshot_chunks WHERE snapshot_id = {id} ORDER BY seq) TO STDOUT (FORMAT BINARY)", cancellationToken))
        {
            while (await copy.StartRowAsync(cancellationToken) != -1)
            {
                image.AddBlock(await copy.ReadAsync<byte[]>(NpgsqlDbType.Bytea, cancellationToken));
            }
        }
        try
        {
            return model.LoadSnapshot(image) ? new SnapshotInfo(watermark, image.Length, clock.Elapsed) : null;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            // A damaged image must not stop every restart: the full rebuild that follows stores a new one.
            logger.LogError(ex, "Behaviour snapshot {SnapshotId} could not be decoded; rebuilding from the events", id);
            return null;
        }
    }
}

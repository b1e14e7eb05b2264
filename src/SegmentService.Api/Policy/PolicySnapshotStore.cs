using System.Text;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Feedback;

namespace SegmentService.Api.Policy;

/// <summary>
/// Saves and restores the Q-table. A snapshot holds every row with the feedback sequence number it
/// includes, and a floor: any feedback row above its segment's number (or above the floor, for a segment
/// not in the snapshot) is applied on load, in sequence order (<see cref="FeedbackLog.CatchUpAllAsync"/>, the
/// same code the follower runs). Snapshots written now have floor 0.
/// </summary>
public sealed class PolicySnapshotStore(QTable table, NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<PolicySnapshotStore> logger) : IDisposable
{
    private readonly SemaphoreSlim _saving = new(1, 1);
    private (long Applied, long Version, long Checksum) _last = (-1, -1, -1);

    public void Dispose() => _saving.Dispose();

    /// <summary>Saves a snapshot unless nothing changed since the last one; returns its version, or null when skipped.</summary>
    public async Task<long?> SaveAsync(bool force, CancellationToken cancellationToken)
    {
        await _saving.WaitAsync(cancellationToken);
        try
        {
            // Each row's LastSeq is exact (a segment's rows commit in seq order, see FeedbackLog); the floor is 0, so a
            // segment this snapshot lacks is replayed from its first row.
            const long floor = 0;
            var rows = new List<QRowSnapshot>();
            foreach (var key in table.Keys.Order(StringComparer.Ordinal))
            {
                var row = table.Row(key);
                await row.Gate.WaitAsync(cancellationToken);
                try
                {
                    rows.Add(row.Snapshot(key));
                }
                finally
                {
                    row.Gate.Release();
                }
            }
            var checksum = rows.Sum(r => r.Entries.Values.Sum(e => e.Visits)) * 31 + rows.Count;
            var applied = rows.Sum(r => r.LastSeq);
            if (!force && _last == (applied, table.Version, checksum))
            {
                return null;
            }
            var version = table.BumpVersion();
            await using (var insert = dataSource.CreateCommand(
                "INSERT INTO policy_snapshots (version, taken_at, segments, body) VALUES ($1, $2, $3, $4)"))
            {
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
                insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = timeProvider.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = rows.Count });
                insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = Serialize(floor, rows) });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            _last = (applied, version, checksum);
            logger.LogInformation("Saved policy snapshot {Version} ({Segments} segments)", version, rows.Count);
            return version;
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>Loads the latest snapshot and replays the feedback after it. Returns the number of feedback rows replayed.</summary>
    public async Task<int> LoadAsync(CancellationToken cancellationToken)
    {
        long floor = 0, version = 0;
        IReadOnlyList<QRowSnapshot> rows = [];
        await using (var command = dataSource.CreateCommand("SELECT version, body FROM policy_snapshots ORDER BY version DESC LIMIT 1"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                version = reader.GetInt64(0);
                (floor, rows) = Deserialize(reader.GetFieldValue<byte[]>(1));
            }
        }
        table.Restore(rows, version);
        // Each segment from its own LastSeq; a segment the snapshot lacks from the floor (0 in snapshots written now).
        var replayed = await FeedbackLog.CatchUpAllAsync(dataSource, table, floor, cancellationToken);
        logger.LogInformation("Loaded policy version {Version} ({Segments} segments) and replayed {Replayed} feedback rows",
            version, rows.Count, replayed);
        return replayed;
    }

    internal static byte[] Serialize(long floor, IReadOnlyList<QRowSnapshot> rows)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(1); // format
            writer.Write(floor);
            writer.Write(rows.Count);
            foreach (var row in rows)
            {
                writer.Write(row.Key);
                writer.Write(row.LastSeq);
                writer.Write(row.Entries.Count);
                foreach (var (item, entry) in row.Entries)
                {
                    writer.Write(item);
                    writer.Write(entry.Value);
                    writer.Write(entry.Visits);
                }
            }
        }
        return stream.ToArray();
    }

    internal static (long Floor, IReadOnlyList<QRowSnapshot> Rows) Deserialize(byte[] body)
    {
        using var reader = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
        if (reader.ReadInt32() != 1)
        {
            throw new InvalidDataException("Unknown policy snapshot format.");
        }
        var floor = reader.ReadInt64();
        var rows = new QRowSnapshot[reader.ReadInt32()];
        for (var r = 0; r < rows.Length; r++)
        {
            var key = reader.ReadString();
            var lastSeq = reader.ReadInt64();
            var count = reader.ReadInt32();
            var entries = new Dictionary<string, QEntry>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                entries[reader.ReadString()] = new QEntry(reader.ReadDouble(), reader.ReadInt64());
            }
            rows[r] = new QRowSnapshot(key, lastSeq, entries);
        }
        return (floor, rows);
    }
}

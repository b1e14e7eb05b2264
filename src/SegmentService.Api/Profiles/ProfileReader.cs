using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Profiles;

/// <summary>Reads profiles into a <see cref="ProfileTable"/>: all active ones by binary COPY, or a few by id.</summary>
public sealed class ProfileReader(NpgsqlDataSource dataSource)
{
    // PostgreSQL unpacks the jsonb categories into two arrays, so the client does no JSON parsing per row.
    private const string Columns = """
        p.user_id, p.last_seen, p.ref_time, p.d_views, p.d_clicks, p.d_carts, p.d_purchases, p.d_spend,
        coalesce(k.names, '{}'::text[]), coalesce(k.weights, '{}'::real[])
        FROM user_profiles p
        LEFT JOIN LATERAL (SELECT array_agg(key) AS names, array_agg(value::real) AS weights
                           FROM jsonb_each_text(p.categories)) k ON true
        """;

    /// <summary>Every profile seen since <paramref name="activeSince"/>, streamed (no entity per row).</summary>
    public async Task<ProfileTable> ReadActiveAsync(
        DateTimeOffset activeSince, DateTimeOffset now, double halfLifeSeconds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var estimate = await EstimateRowsAsync(connection, cancellationToken);
        var table = new ProfileTable((int)Math.Clamp(estimate, 1024, 50_000_000));
        var since = activeSince.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);
        // COPY takes no parameters; the literal is built from a DateTimeOffset, never from input.
        // Ordered, so that a seeded run over the same profiles fits the same clusters whatever the heap order.
        var sql = $"COPY (SELECT {Columns} WHERE p.last_seen >= '{since}+00' ORDER BY p.user_id) TO STDOUT (FORMAT BINARY)";
        await using var export = await connection.BeginBinaryExportAsync(sql, cancellationToken);
        while (await export.StartRowAsync(cancellationToken) != -1)
        {
            var userId = export.Read<string>(NpgsqlDbType.Text);
            var lastSeen = export.Read<DateTime>(NpgsqlDbType.TimestampTz);
            var refTime = export.Read<DateTime>(NpgsqlDbType.TimestampTz);
            var views = export.Read<double>(NpgsqlDbType.Double);
            var clicks = export.Read<double>(NpgsqlDbType.Double);
            var carts = export.Read<double>(NpgsqlDbType.Double);
            var purchases = export.Read<double>(NpgsqlDbType.Double);
            var spend = export.Read<double>(NpgsqlDbType.Double);
            var names = export.Read<string[]>(NpgsqlDbType.Array | NpgsqlDbType.Text);
            var weights = export.Read<float[]>(NpgsqlDbType.Array | NpgsqlDbType.Real);
            table.Add(userId, new DateTimeOffset(lastSeen, TimeSpan.Zero), new DateTimeOffset(refTime, TimeSpan.Zero), now,
                halfLifeSeconds, views, clicks, carts, purchases, spend, names, weights);
        }
        return table;
    }

    /// <summary>The profiles of these users (those that exist), in one query.</summary>
    public async Task<ProfileTable> ReadUsersAsync(
        IReadOnlyCollection<string> userIds, DateTimeOffset now, double halfLifeSeconds, CancellationToken cancellationToken)
    {
        var table = new ProfileTable(userIds.Count);
        await using var command = dataSource.CreateCommand($"SELECT {Columns} WHERE p.user_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. userIds] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            table.Add(reader.GetString(0),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(2), TimeSpan.Zero),
                now, halfLifeSeconds,
                reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7),
                reader.GetFieldValue<string[]>(8), reader.GetFieldValue<float[]>(9));
        }
        return table;
    }

    private static async Task<long> EstimateRowsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'user_profiles'::regclass", connection);
        return await command.ExecuteScalarAsync(cancellationToken) is long rows ? rows : 0;
    }
}

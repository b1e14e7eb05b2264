using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Profiles;
using SegmentService.Api.Storage;

namespace SegmentService.Api.Events;

/// <summary>
/// Stores a request's events with one INSERT over unnest()ed arrays: one round trip per request,
/// idempotent on event_id even when concurrent requests race with the same id. The same statement folds the
/// newly stored events into their users' profiles (<see cref="ProfileSql"/>).
/// </summary>
public sealed class EventWriter(
    NpgsqlDataSource dataSource,
    TimeProvider timeProvider,
    IOptions<ProfileOptions> profileOptions,
    IOptions<DatabaseOptions> databaseOptions,
    IEnumerable<IEventsCommittedObserver> observers,
    ILogger<EventWriter> logger)
{
    // The profile upsert rides in the same statement (a data-modifying CTE), so events and profiles commit together.
    private const string EventsInsertSql = """
        INSERT INTO events (event_id, user_id, type, item_id, occurred_at, received_at, value, quantity, session_id, source)
        SELECT e.event_id, e.user_id, e.type, e.item_id, e.occurred_at, $10, e.value, e.quantity, e.session_id, e.source
        FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[], $5::timestamptz[],
                    $6::numeric[], $7::integer[], $8::text[], $9::text[])
             AS e(event_id, user_id, type, item_id, occurred_at, value, quantity, session_id, source)
        ON CONFLICT (event_id) DO NOTHING
        """;

    // Both statements answer with the ids that were NOT stored (duplicates): almost always none, so a batch of new
    // events (a feedback batch is thousands) does not come back as thousands of id strings to hash.
    private const string DuplicatesSql = "SELECT d.event_id FROM unnest($1::text[]) AS d(event_id) WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.event_id = d.event_id)";

    private const string InsertOnlySql = $"""
        WITH ins AS (
        {EventsInsertSql}
            RETURNING event_id
        )
        {DuplicatesSql}
        """;

    private static readonly string InsertWithProfilesSql = $"""
        WITH ins AS (
        {EventsInsertSql}
            RETURNING event_id, user_id, type, item_id, occurred_at, value, quantity
        ),
        {ProfileSql.UpsertFromInserted("$11::float8")}
        {DuplicatesSql}
        """;

    private readonly IEventsCommittedObserver[] _observers = [.. observers];

    /// <summary>Stores the events whose ids are new and returns those (the rest were duplicates).</summary>
    /// <remarks>
    /// The caller passes distinct event ids. Returns only after the rows are committed and observers told.
    /// Events of <see cref="EventOrigin.Frontend"/> are stored only: they do not change profiles (so segments),
    /// priors or purchases, because anyone holding the public key can name any user.
    /// </remarks>
    public async Task<IReadOnlyList<ValidEvent>> WriteAsync(
        IReadOnlyList<ValidEvent> events, CancellationToken cancellationToken, EventOrigin origin = EventOrigin.Trusted)
    {
        if (events.Count == 0)
        {
            return [];
        }
        var count = events.Count;
        var ids = new string[count];
        var users = new string[count];
        var types = new short[count];
        var items = new string[count];
        var occurred = new DateTime[count];
        var values = new decimal?[count];
        var quantities = new int?[count];
        var sessions = new string?[count];
        var sources = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var e = events[i];
            ids[i] = e.EventId;
            users[i] = e.UserId;
            types[i] = (short)e.Type;
            items[i] = e.ItemId;
            occurred[i] = e.OccurredAt.UtcDateTime;
            values[i] = e.Value;
            quantities[i] = e.Quantity;
            sessions[i] = e.SessionId;
            sources[i] = e.Source;
        }

        var trusted = origin == EventOrigin.Trusted;
        var withProfiles = trusted && profileOptions.Value.Enabled;
        await using var command = dataSource.CreateCommand(withProfiles ? InsertWithProfilesSql : InsertOnlySql);
        command.CommandTimeout = databaseOptions.Value.CommandTimeoutSeconds;
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = users });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = types });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = items });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = occurred, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<decimal?[]> { TypedValue = values });
        command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = quantities });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = sessions });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = sources });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = timeProvider.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (withProfiles)
        {
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = profileOptions.Value.HalfLife.TotalSeconds });
        }
        HashSet<string>? duplicates = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                (duplicates ??= new HashSet<string>(StringComparer.Ordinal)).Add(reader.GetString(0));
            }
        }
        IReadOnlyList<ValidEvent> stored = duplicates is null ? events : [.. events.Where(e => !duplicates.Contains(e.EventId))];
        if (!trusted)
        {
            return stored;
        }
        foreach (var observer in _observers)
        {
            // The events are committed: a failing observer must not turn that into an error for the client.
            try
            {
                await observer.OnEventsCommittedAsync(stored, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Observer {Observer} failed on {Count} committed events", observer.GetType().Name, stored.Count);
            }
        }
        return stored;
    }
}

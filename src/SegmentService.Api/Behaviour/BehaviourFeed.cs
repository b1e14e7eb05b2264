using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Catalog;
using SegmentService.Api.Events;

namespace SegmentService.Api.Behaviour;

/// <summary>What a start-up rebuild did: the snapshot it loaded (null: none, a full rebuild) and the events it folded.</summary>
public readonly record struct RebuildResult(SnapshotInfo? Snapshot, long Events);

/// <summary>
/// Keeps <see cref="BehaviourModel"/> current: every commit of events and items is folded in before the request that
/// stored them is answered; <see cref="RebuildAsync"/> loads the catalogue, the snapshot and the events since at start-up.
/// </summary>
public sealed class BehaviourFeed(
    BehaviourModel model,
    BehaviourSnapshots snapshots,
    NpgsqlDataSource dataSource,
    IOptions<BehaviourOptions> options,
    TimeProvider timeProvider) : IEventsCommittedObserver, IItemsChangedObserver
{
    private const int Chunk = 50_000;

    public ValueTask OnEventsCommittedAsync(IReadOnlyList<ValidEvent> stored, CancellationToken cancellationToken)
    {
        model.Apply(stored.Select(e => new BehaviourSignal(e.UserId, e.Type, e.ItemId, e.OccurredAt)));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnItemsChangedAsync(IReadOnlyCollection<ValidItem> items, CancellationToken cancellationToken)
    {
        model.Content.Upsert(items);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Loads the catalogue, then the newest snapshot and the events received since it was taken (less
    /// <see cref="BehaviourOptions.SnapshotOverlap"/>), or, without a usable snapshot, every event of the rebuild window.
    /// </summary>
    public async Task<RebuildResult> RebuildAsync(CancellationToken cancellationToken)
    {
        model.Content.Upsert(await ReadItemsAsync(cancellationToken));
        var snapshot = options.Value.Snapshots ? await snapshots.TryLoadAsync(cancellationToken) : null;
        string filter;
        if (snapshot is { } s)
        {
            // Events received since the snapshot, in the order they were received: the order the live fold saw them.
            // The overlap covers commits still in flight when it was taken; an event folded twice counts once unless
            // its user touched more than RecentItemsPerUser other items in between (see docs/behaviour.md).
            var since = s.Watermark - options.Value.SnapshotOverlap;
            filter = $"received_at > '{since.UtcDateTime:O}'::timestamptz ORDER BY received_at, ctid";
        }
        else
        {
            // Storage order (no sort of millions of rows in the database): events were mostly stored in time order,
            // and a few out of order only shift which recent items a pair is counted against.
            var since = timeProvider.GetUtcNow() - options.Value.RebuildWindow;
            filter = $"occurred_at > '{since.UtcDateTime:O}'::timestamptz";
        }
        var events = await model.LoadAsync(ReadEventsAsync(filter, cancellationToken), Chunk, cancellationToken);
        model.Content.Rerank(model.Graph.Engagement);
        return new RebuildResult(snapshot, events);
    }

    private async Task<List<ValidItem>> ReadItemsAsync(CancellationToken cancellationToken)
    {
        var items = new List<ValidItem>();
        await using var command = dataSource.CreateCommand("SELECT item_id, category, price, in_stock, title FROM items");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ValidItem(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2), reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return items;
    }

    private async IAsyncEnumerable<BehaviourSignal> ReadEventsAsync(string filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Events sent with the public frontend key are stored but never train (EventOrigin.Frontend), live or rebuilt.
        // The filter may end in an ORDER BY, so it comes last.
        var sql = $"COPY (SELECT user_id::text, type, item_id::text, occurred_at FROM events " +
            $"WHERE NOT starts_with(event_id, '{EventNamespaces.FrontendPrefix}') AND {filter}) TO STDOUT (FORMAT BINARY)";
        await using var copy = await connection.BeginBinaryExportAsync(sql, cancellationToken);
        while (await copy.StartRowAsync(cancellationToken) != -1)
        {
            var user = await copy.ReadAsync<string>(NpgsqlDbType.Text, cancellationToken);
            var type = (EventType)await copy.ReadAsync<short>(NpgsqlDbType.Smallint, cancellationToken);
            var item = await copy.ReadAsync<string>(NpgsqlDbType.Text, cancellationToken);
            var at = await copy.ReadAsync<DateTime>(NpgsqlDbType.TimestampTz, cancellationToken);
            yield return new BehaviourSignal(user, type, item, new DateTimeOffset(at, TimeSpan.Zero));
        }
    }
}

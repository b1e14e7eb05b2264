using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Catalog;
using SegmentService.Api.Events;

namespace SegmentService.Api.Behaviour;

/// <summary>
/// Keeps <see cref="BehaviourModel"/> current: every commit of events and items is folded in before the request that
/// stored them is answered; <see cref="RebuildAsync"/> streams the catalogue and the recent events at start-up.
/// </summary>
public sealed class BehaviourFeed(
    BehaviourModel model,
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

    /// <summary>Loads the catalogue, then folds in the events of the rebuild window; returns the number of events read.</summary>
    public async Task<long> RebuildAsync(CancellationToken cancellationToken)
    {
        model.Content.Upsert(await ReadItemsAsync(cancellationToken));
        var events = await model.LoadAsync(ReadEventsAsync(cancellationToken), Chunk, cancellationToken);
        model.Content.Rerank(model.Graph.Engagement);
        return events;
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

    // Binary COPY in storage order (no sort of millions of rows in the database): events were mostly stored in
    // time order, and a few out of order only shift which recent items a pair is counted against.
    private async IAsyncEnumerable<BehaviourSignal> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var since = timeProvider.GetUtcNow() - options.Value.RebuildWindow;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var sql = $"COPY (SELECT user_id::text, type, item_id::text, occurred_at FROM events WHERE occurred_at > '{since.UtcDateTime:O}'::timestamptz) TO STDOUT (FORMAT BINARY)";
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

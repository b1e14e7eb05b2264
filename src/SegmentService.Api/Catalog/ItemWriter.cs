using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Catalog;

/// <summary>Upserts items with one statement per request.</summary>
public sealed class ItemWriter(
    NpgsqlDataSource dataSource,
    TimeProvider timeProvider,
    Microsoft.Extensions.Options.IOptions<Storage.DatabaseOptions> databaseOptions,
    IEnumerable<IItemsChangedObserver> observers,
    ILogger<ItemWriter> logger)
{
    private readonly IItemsChangedObserver[] _observers = [.. observers];

    private const string UpsertSql = """
        INSERT INTO items (item_id, category, price, in_stock, title, updated_at)
        SELECT i.item_id, i.category, i.price, i.in_stock, i.title, $6
        FROM unnest($1::text[], $2::text[], $3::numeric[], $4::boolean[], $5::text[])
             AS i(item_id, category, price, in_stock, title)
        ON CONFLICT (item_id) DO UPDATE SET
            category = excluded.category, price = excluded.price, in_stock = excluded.in_stock,
            title = excluded.title, updated_at = excluded.updated_at
        """;

    /// <summary>Upserts the items; when an id repeats, the last entry wins. Returns the number of distinct items written.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<ValidItem> items, CancellationToken cancellationToken)
    {
        // One statement may not update a row twice, so repeats are folded here first.
        var latest = new Dictionary<string, ValidItem>(items.Count, StringComparer.Ordinal);
        foreach (var item in items)
        {
            latest[item.ItemId] = item;
        }
        if (latest.Count == 0)
        {
            return 0;
        }
        var rows = latest.Values;
        await using var command = dataSource.CreateCommand(UpsertSql);
        command.CommandTimeout = databaseOptions.Value.CommandTimeoutSeconds;
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(i => i.ItemId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(i => i.Category).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = rows.Select(i => i.Price).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = rows.Select(i => i.InStock).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = rows.Select(i => i.Title).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = timeProvider.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
        foreach (var observer in _observers)
        {
            // The items are committed: a failing observer must not turn that into an error for the client.
            try
            {
                await observer.OnItemsChangedAsync(rows, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Observer {Observer} failed on {Count} upserted items", observer.GetType().Name, rows.Count);
            }
        }
        return latest.Count;
    }
}

using System.Collections.Concurrent;
using Npgsql;
using SegmentService.Api.Events;
using SegmentService.Api.Policy;

namespace SegmentService.Api.Recommendations;

/// <summary>Which items each user bought, in memory (loaded at start, fed by committed events), so /recommend can leave them out without a query.</summary>
public sealed class PurchaseHistory(NpgsqlDataSource dataSource) : IEventsCommittedObserver, IPolicyStartupTask
{
    private readonly ConcurrentDictionary<string, HashSet<string>> _bought = new(StringComparer.Ordinal);

    public void Add(string userId, string itemId)
    {
        var items = _bought.GetOrAdd(userId, static _ => new HashSet<string>(StringComparer.Ordinal));
        lock (items)
        {
            items.Add(itemId);
        }
    }

    /// <summary>Users with at least one purchase held in memory (a depth metric).</summary>
    public int Users => _bought.Count;

    public bool HasAny(string userId) => _bought.ContainsKey(userId);

    /// <summary>Copies the user's purchases into <paramref name="into"/>.</summary>
    public void CopyTo(string userId, HashSet<string> into)
    {
        if (_bought.TryGetValue(userId, out var items))
        {
            lock (items)
            {
                into.UnionWith(items);
            }
        }
    }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT DISTINCT user_id, item_id FROM events WHERE type = $1");
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)EventType.Purchase });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Add(reader.GetString(0), reader.GetString(1));
        }
    }

    public ValueTask OnEventsCommittedAsync(IReadOnlyList<ValidEvent> stored, CancellationToken cancellationToken)
    {
        foreach (var e in stored)
        {
            if (e.Type == EventType.Purchase)
            {
                Add(e.UserId, e.ItemId);
            }
        }
        return ValueTask.CompletedTask;
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;
using SegmentService.Api.Events;
using SegmentService.Api.Policy;

namespace SegmentService.Api.Recommendations;

/// <summary>
/// Which items each user bought, in memory (loaded at start, fed by committed events), so /recommend can leave them
/// out without a query. Bounded, keeping what is most recent by the purchase's event time:
/// <list type="bullet">
/// <item>each user keeps their last Recommend:MaxPurchasesPerUser items; an older purchase past it is forgotten;</item>
/// <item>past Recommend:MaxPurchaseUsers users, the eighth whose last purchase is oldest are forgotten.</item>
/// </list>
/// A forgotten purchase may be recommended again. <see cref="ShedPurchases"/> and <see cref="ShedUsers"/> count them.
/// Each held (user, item) also keeps its first purchase time, so the priors can count a user's first purchase of an item
/// only (<see cref="IsFirstPurchase"/>).
/// The start-up read returns only what fits: the latest purchases of the users who bought most recently.
/// </summary>
public sealed class PurchaseHistory(NpgsqlDataSource dataSource, IOptions<RecommendOptions> options) : IEventsCommittedObserver, IPolicyStartupTask
{
    /// <summary>Per (user, item) the first and latest purchase times, restricted to the most recent users and each user's most recent items.</summary>
    private const string LoadSql = """
        WITH bought AS (
            SELECT user_id, item_id, min(occurred_at) AS first, max(occurred_at) AS at FROM events WHERE type = $1 GROUP BY user_id, item_id),
        recent_users AS (
            SELECT user_id FROM bought GROUP BY user_id ORDER BY max(at) DESC, user_id LIMIT $2),
        ranked AS (
            SELECT b.user_id, b.item_id, b.at, row_number() OVER (PARTITION BY b.user_id ORDER BY b.at DESC, b.item_id) AS n
            FROM bought b JOIN recent_users USING (user_id))
        SELECT r.user_id, r.item_id, b.first, r.at FROM ranked r JOIN bought b USING (user_id, item_id) WHERE r.n <= $3
        """;

    private readonly ConcurrentDictionary<string, Bought> _bought = new(StringComparer.Ordinal);
    private readonly Lock _trimSync = new();
    private readonly int _maxUsers = options.Value.MaxPurchaseUsers;
    private readonly int _maxPerUser = options.Value.MaxPurchasesPerUser;
    private long _held;
    private long _shedPurchases;
    private long _shedUsers;

    /// <summary>One user's purchases (item, first and latest purchase times in UTC ticks), at most MaxPurchasesPerUser; guarded by itself.</summary>
    private sealed class Bought
    {
        public readonly List<(string Item, long First, long At)> Items = [];
        public long Last;
        public bool Forgotten;
    }

    /// <summary>Users with at least one purchase held in memory (a depth metric).</summary>
    public int Users => _bought.Count;

    /// <summary>(user, item) purchases held in memory (a depth metric).</summary>
    public long Purchases => Interlocked.Read(ref _held);

    /// <summary>Purchases forgotten past either bound since start.</summary>
    public long ShedPurchases => Interlocked.Read(ref _shedPurchases);

    /// <summary>Users forgotten past Recommend:MaxPurchaseUsers since start.</summary>
    public long ShedUsers => Interlocked.Read(ref _shedUsers);

    public void Add(string userId, string itemId, DateTimeOffset purchasedAt) => Add(userId, itemId, purchasedAt.UtcTicks, purchasedAt.UtcTicks);

    /// <summary>
    /// Whether a purchase at <paramref name="purchasedAt"/> is the user's first of the item that this history knows of:
    /// none held, or none earlier. The answer is the same whether or not the purchase itself was added already.
    /// </summary>
    public bool IsFirstPurchase(string userId, string itemId, DateTimeOffset purchasedAt)
    {
        if (!_bought.TryGetValue(userId, out var bought))
        {
            return true;
        }
        lock (bought)
        {
            foreach (var (item, first, _) in bought.Items)
            {
                if (item == itemId)
                {
                    return first >= purchasedAt.UtcTicks;
                }
            }
        }
        return true;
    }

    private void Add(string userId, string itemId, long first, long at)
    {
        var isNew = false;
        while (true)
        {
            if (!_bought.TryGetValue(userId, out var bought))
            {
                bought = _bought.GetOrAdd(userId, static _ => new Bought());
                isNew = true;
            }
            lock (bought)
            {
                // Forgotten by a trim since it was looked up: the purchase starts the user afresh.
                if (bought.Forgotten)
                {
                    continue;
                }
                bought.Last = Math.Max(bought.Last, at);
                AddItem(bought.Items, itemId, first, at);
                break;
            }
        }
        if (isNew && _bought.Count > _maxUsers)
        {
            TrimUsers();
        }
    }

    private void AddItem(List<(string Item, long First, long At)> items, string itemId, long first, long at)
    {
        var oldest = -1;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Item == itemId)
            {
                items[i] = (itemId, Math.Min(items[i].First, first), Math.Max(items[i].At, at));
                return;
            }
            if (oldest < 0 || items[i].At < items[oldest].At)
            {
                oldest = i;
            }
        }
        if (items.Count < _maxPerUser)
        {
            items.Add((itemId, first, at));
            Interlocked.Increment(ref _held);
            return;
        }
        // Full: the older of the new purchase and the oldest held one is forgotten.
        Interlocked.Increment(ref _shedPurchases);
        if (at > items[oldest].At)
        {
            items[oldest] = (itemId, first, at);
        }
    }

    /// <summary>Forgets the users whose last purchase is oldest, down to 7/8 of the bound (one sort per MaxPurchaseUsers/8 new users).</summary>
    private void TrimUsers()
    {
        lock (_trimSync)
        {
            var excess = _bought.Count - _maxUsers;
            if (excess <= 0)
            {
                return;
            }
            var oldest = _bought
                .Select(p => (User: p.Key, Last: Volatile.Read(ref p.Value.Last)))
                .OrderBy(p => p.Last)
                .ThenBy(p => p.User, StringComparer.Ordinal)
                .Take(excess + _maxUsers / 8)
                .ToList();
            foreach (var (user, _) in oldest)
            {
                if (_bought.TryRemove(user, out var gone))
                {
                    int count;
                    lock (gone)
                    {
                        gone.Forgotten = true;
                        count = gone.Items.Count;
                    }
                    Interlocked.Add(ref _held, -count);
                    Interlocked.Add(ref _shedPurchases, count);
                    Interlocked.Increment(ref _shedUsers);
                }
            }
        }
    }

    public bool HasAny(string userId) => _bought.ContainsKey(userId);

    /// <summary>Copies the user's purchases into <paramref name="into"/>.</summary>
    public void CopyTo(string userId, HashSet<string> into)
    {
        if (_bought.TryGetValue(userId, out var bought))
        {
            lock (bought)
            {
                foreach (var (item, _, _) in bought.Items)
                {
                    into.Add(item);
                }
            }
        }
    }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(LoadSql);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)EventType.Purchase });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _maxUsers });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _maxPerUser });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Add(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTime>(2).Ticks, reader.GetFieldValue<DateTime>(3).Ticks);
        }
    }

    public ValueTask OnEventsCommittedAsync(IReadOnlyList<ValidEvent> stored, CancellationToken cancellationToken)
    {
        foreach (var e in stored)
        {
            if (e.Type == EventType.Purchase)
            {
                Add(e.UserId, e.ItemId, e.OccurredAt);
            }
        }
        return ValueTask.CompletedTask;
    }
}

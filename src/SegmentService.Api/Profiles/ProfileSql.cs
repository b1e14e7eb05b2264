namespace SegmentService.Api.Profiles;

/// <summary>
/// The SQL that folds newly inserted events into <c>user_profiles</c>, as CTEs appended to the event insert so
/// events and profiles commit together in one round trip. Only rows the insert RETURNs (new event ids) feed
/// the profiles, so a duplicate never counts twice.
/// </summary>
/// <remarks>
/// Decay: a decayed value v stored as of ref_time r reads v·2^(−(t−r)/h) at time t. Merging a batch whose newest
/// event is at b into a row at r moves the row to r' = max(r, b) and adds both sides decayed to r', so events
/// that arrive out of order (occurredAt before r) count exactly as if they had arrived in order.
/// </remarks>
public static class ProfileSql
{
    // The event types as the schema stores them, taken from the enum so the SQL never holds a bare number.
    private const short View = (short)Events.EventType.View;
    private const short Click = (short)Events.EventType.Click;
    private const short AddToCart = (short)Events.EventType.AddToCart;
    private const short Purchase = (short)Events.EventType.Purchase;

    /// <summary>
    /// CTEs that read <c>ins(user_id, type, item_id, occurred_at, value, quantity)</c> and upsert the profiles;
    /// <paramref name="halfLifeSeconds"/> is the SQL parameter holding the half-life in seconds.
    /// </summary>
    public static string UpsertFromInserted(string halfLifeSeconds) => $"""
        contrib AS (
            SELECT i.user_id, i.type, coalesce(it.category, 'other') AS category, i.occurred_at,
                   coalesce(i.value, 0)::float8 AS value, coalesce(i.quantity, 1) AS quantity,
                   max(i.occurred_at) OVER (PARTITION BY i.user_id) AS ref_time
            FROM ins i LEFT JOIN items it ON it.item_id = i.item_id
        ),
        weighted AS (
            SELECT c.*, {Decay("c.ref_time", "c.occurred_at", halfLifeSeconds)} AS w FROM contrib c
        ),
        cats AS (
            SELECT user_id, jsonb_object_agg(category, w) AS categories
            FROM (SELECT user_id, category, sum(w) AS w FROM weighted GROUP BY user_id, category) s
            GROUP BY user_id
        ),
        agg AS (
            SELECT user_id, min(occurred_at) AS first_seen, max(occurred_at) AS last_seen, max(ref_time) AS ref_time,
                   count(*) FILTER (WHERE type = {View}) AS views,
                   count(*) FILTER (WHERE type = {Click}) AS clicks,
                   count(*) FILTER (WHERE type = {AddToCart}) AS carts,
                   count(*) FILTER (WHERE type = {Purchase}) AS purchases,
                   coalesce(sum(quantity) FILTER (WHERE type = {Purchase}), 0) AS units,
                   coalesce(sum(value) FILTER (WHERE type = {Purchase}), 0) AS spend,
                   coalesce(sum(w) FILTER (WHERE type = {View}), 0) AS d_views,
                   coalesce(sum(w) FILTER (WHERE type = {Click}), 0) AS d_clicks,
                   coalesce(sum(w) FILTER (WHERE type = {AddToCart}), 0) AS d_carts,
                   coalesce(sum(w) FILTER (WHERE type = {Purchase}), 0) AS d_purchases,
                   coalesce(sum(w * value) FILTER (WHERE type = {Purchase}), 0) AS d_spend
            FROM weighted GROUP BY user_id
        ),
        profiles AS (
            INSERT INTO user_profiles AS p (user_id, first_seen, last_seen, ref_time, views, clicks, carts, purchases, units,
                                            spend, d_views, d_clicks, d_carts, d_purchases, d_spend, categories)
            SELECT a.user_id, a.first_seen, a.last_seen, a.ref_time, a.views, a.clicks, a.carts, a.purchases, a.units,
                   a.spend, a.d_views, a.d_clicks, a.d_carts, a.d_purchases, a.d_spend, c.categories
            FROM agg a JOIN cats c ON c.user_id = a.user_id
            ORDER BY a.user_id -- a fixed lock order: two batches touching the same users cannot deadlock
            ON CONFLICT (user_id) DO UPDATE SET
                first_seen = least(p.first_seen, excluded.first_seen),
                last_seen = greatest(p.last_seen, excluded.last_seen),
                ref_time = greatest(p.ref_time, excluded.ref_time),
                views = p.views + excluded.views,
                clicks = p.clicks + excluded.clicks,
                carts = p.carts + excluded.carts,
                purchases = p.purchases + excluded.purchases,
                units = p.units + excluded.units,
                spend = p.spend + excluded.spend,
                d_views = {Merge("d_views", halfLifeSeconds)},
                d_clicks = {Merge("d_clicks", halfLifeSeconds)},
                d_carts = {Merge("d_carts", halfLifeSeconds)},
                d_purchases = {Merge("d_purchases", halfLifeSeconds)},
                d_spend = {Merge("d_spend", halfLifeSeconds)},
                categories = (
                    SELECT jsonb_object_agg(k, s) FROM (
                        SELECT k, sum(v) AS s FROM (
                            SELECT key AS k, value::float8 * {OldFactor(halfLifeSeconds)} AS v FROM jsonb_each_text(p.categories)
                            UNION ALL
                            SELECT key, value::float8 * {NewFactor(halfLifeSeconds)} FROM jsonb_each_text(excluded.categories)
                        ) u GROUP BY k
                    ) g)
        )
        """;

    // power() raises an underflow error instead of returning 0, hence the clamp (2^-1000 is 0 for our purposes).
    private static string Decay(string to, string from, string halfLife) =>
        $"power(2::float8, greatest(-1000, -extract(epoch FROM {to} - {from})::float8 / {halfLife}))";

    private static string OldFactor(string halfLife) =>
        Decay("greatest(p.ref_time, excluded.ref_time)", "p.ref_time", halfLife);

    private static string NewFactor(string halfLife) =>
        Decay("greatest(p.ref_time, excluded.ref_time)", "excluded.ref_time", halfLife);

    private static string Merge(string column, string halfLife) =>
        $"p.{column} * {OldFactor(halfLife)} + excluded.{column} * {NewFactor(halfLife)}";
}

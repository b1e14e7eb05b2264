using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Events;
using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Recommendations;

/// <summary>
/// Feeds the policy's priors from behaviour events: built from recent events at start, then from each commit, and
/// rebuilt whenever a segmentation run comes into force, since priors are per segment and membership just changed.
/// An event weighs what its feedback would earn (Policy:Rewards: click, add-to-cart, purchase); a view weighs nothing.
/// While bought items are not recommended again (Recommend:ExcludePurchased), only a user's first purchase of an item
/// counts: the prior ranks items for users who have not bought them, and a wholesaler reordering the same item tells
/// nothing of its appeal to them (on the retail replay, popularity by first purchases ranked better than by all of them).
/// </summary>
public sealed class ItemPriorsFeed(
    ItemPriors priors,
    ISegmentDirectory directory,
    PurchaseHistory purchases,
    NpgsqlDataSource dataSource,
    PolicyReadiness readiness,
    IOptions<PolicyOptions> options,
    IOptions<RecommendOptions> recommendOptions,
    TimeProvider timeProvider,
    ILogger<ItemPriorsFeed> logger) : IEventsCommittedObserver, ISegmentationListener, IPolicyStartupTask
{
    /// <summary>
    /// Recent events that train the priors; with first purchases only, each (user, item)'s earliest purchase ever, if
    /// recent. $4 is the purchase type, $5 whether only first purchases count.
    /// </summary>
    private const string RecentEventsSql = """
        SELECT user_id, type, item_id, occurred_at FROM events
        WHERE occurred_at > $1 AND type <> $2 AND NOT starts_with(event_id, $3) AND NOT (type = $4 AND $5)
        UNION ALL
        SELECT user_id, $4, item_id, min(occurred_at) FROM events
        WHERE $5 AND type = $4 AND NOT starts_with(event_id, $3)
        GROUP BY user_id, item_id HAVING min(occurred_at) > $1
        """;

    /// <summary>Events older than this many half-lives weigh under 0.1% and are not read.</summary>
    private const int HalfLivesRead = 10;

    private double Weight(EventType type) =>
        type == EventType.View ? 0 : options.Value.Rewards.Of(FeedbackEvents.FeedbackTypeOf(type));

    private bool FirstPurchasesOnly => recommendOptions.Value.ExcludePurchased;

    public ValueTask OnEventsCommittedAsync(IReadOnlyList<ValidEvent> stored, CancellationToken cancellationToken)
    {
        HashSet<(string, string)>? counted = null;
        foreach (var e in stored)
        {
            if (e.Type == EventType.Purchase && FirstPurchasesOnly)
            {
                // An invoice listing the same item twice is one purchase of it.
                counted ??= [];
                if (!purchases.IsFirstPurchase(e.UserId, e.ItemId, e.OccurredAt) || !counted.Add((e.UserId, e.ItemId)))
                {
                    continue;
                }
            }
            priors.Add(directory.Resolve(e.UserId).SegmentKey, Weight(e.Type), e.ItemId, e.OccurredAt);
        }
        return ValueTask.CompletedTask;
    }

    public Task LoadAsync(CancellationToken cancellationToken) => priors.RebuildAsync(ReadRecentEvents(cancellationToken));

    public async Task OnRunCommittedAsync(SegmentationRunCommitted run, CancellationToken cancellationToken)
    {
        // Start-up loads the priors itself; waiting keeps the two from reading the events table at once.
        await readiness.WaitAsync(cancellationToken);
        await LoadAsync(cancellationToken);
        logger.LogInformation("Item priors rebuilt for the segments of run {RunId}", run.RunId);
    }

    private async IAsyncEnumerable<(string, double, string, DateTimeOffset)> ReadRecentEvents(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var since = timeProvider.GetUtcNow() - options.Value.PriorHalfLife * HalfLivesRead;
        await using var command = dataSource.CreateCommand(RecentEventsSql);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = since.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)EventType.View });
        // Events sent with the public frontend key are stored but never train (EventOrigin.Frontend), rebuilt or not.
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EventNamespaces.FrontendPrefix });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)EventType.Purchase });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = FirstPurchasesOnly });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var occurred = new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero);
            yield return (directory.Resolve(reader.GetString(0)).SegmentKey, Weight((EventType)reader.GetInt16(1)), reader.GetString(2), occurred);
        }
    }
}

/// <summary>Hands each committed segmentation run's transition matrix to the policy, so new segments start from their users' rows.</summary>
public sealed class SegmentCarryOver(PolicyCarryOver carryOver, PolicyReadiness readiness) : ISegmentationListener
{
    public async Task OnRunCommittedAsync(SegmentationRunCommitted run, CancellationToken cancellationToken)
    {
        await readiness.WaitAsync(cancellationToken);
        var origins = run.SegmentKeys
            .Select(key => new SegmentOrigin(key, [.. run.Transitions.Where(t => t.ToKey == key).Select(t => (t.FromKey, (double)t.Users))]))
            .ToList();
        await carryOver.StartSegmentsAsync(origins, cancellationToken);
    }
}

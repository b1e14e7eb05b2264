using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Metrics;

/// <summary>
/// Sets the gauges whose values already live in memory, just before each scrape: segment sizes of the run in force
/// (counted once per run), the Q-table's size and the depths of the write-behind buffers.
/// </summary>
public sealed class ScrapeGauges(
    ServiceMetrics metrics,
    SegmentDirectory directory,
    QTable table,
    ImpressionLog impressions,
    OutcomeSweeper sweeper,
    RetentionPruner retention,
    OutcomeLog outcomes,
    ItemPriors priors,
    PurchaseHistory purchases,
    InStockCatalog catalogue,
    Behaviour.BehaviourModel behaviour,
    Shortlists shortlists,
    Microsoft.Extensions.Options.IOptions<PolicyOptions> options)
{
    private readonly Lock _sync = new();
    private long _sizedRun = -1;
    private long _defaultsCounted;

    public void Register() => metrics.Registry.AddBeforeCollectCallback(Update);

    private void Update()
    {
        UpdateSegmentSizes();
        var keys = table.Keys;
        metrics.QTableSegments.Set(keys.Count);
        metrics.QTableEntries.Set(keys.Sum(k => table.Row(k).Count));
        metrics.BufferDepth.WithLabels("impressions").Set(impressions.PendingCount);
        metrics.BufferDepth.WithLabels("open_impressions").Set(impressions.OpenCount);
        metrics.BufferDepth.WithLabels("feedback").Set(outcomes.QueuedCount);
        metrics.BufferDepth.WithLabels("feedback_events").Set(outcomes.UnnotifiedCount);
        metrics.MemoryEntries.WithLabels("priors").Set(priors.CellCount);
        metrics.MemoryEntries.WithLabels("purchase_users").Set(purchases.Users);
        metrics.MemoryEntries.WithLabels("purchases").Set(purchases.Purchases);
        metrics.MemoryEntries.WithLabels("catalogue").Set(catalogue.View.All.Length);
        metrics.MemoryEntries.WithLabels("behaviour_users").Set(behaviour.Trails.Users);
        metrics.MemoryEntries.WithLabels("peer_index_items").Set(behaviour.Trails.PeerIndexItems);
        metrics.MemoryEntries.WithLabels("behaviour_items").Set(behaviour.Items.Count);
        metrics.MemoryEntries.WithLabels("graph_items").Set(behaviour.Graph.ItemsWithNeighbours);
        metrics.MemoryEntries.WithLabels("graph_pairs").Set(behaviour.Graph.Pairs);
        metrics.MemoryEntries.WithLabels("shortlists").Set(shortlists.Count);
        var run = directory.Current;
        metrics.MemoryEntries.WithLabels("segment_users").Set(run?.Users.Count ?? 0);
        metrics.MemoryEntries.WithLabels("live_moves").Set(run?.Live.Count ?? 0);
        metrics.MemoryShed("purchases", purchases.ShedPurchases);
        metrics.MemoryShed("purchase_users", purchases.ShedUsers);
        metrics.MemoryShed("priors", priors.ShedCount);
        metrics.MemoryShed("qtable", table.EvictedCells);
        metrics.ImpressionsDropped(impressions.ShedCount, impressions.LateCount);
        metrics.FeedbackEventsShed(outcomes.EventsShedCount);
        metrics.RetentionDeleted(retention.Deleted);
        // The sweeper counts settled items that got no feedback; the counter follows it at each scrape.
        var defaults = sweeper.DefaultRewardCount;
        lock (_sync)
        {
            if (defaults > _defaultsCounted)
            {
                metrics.DefaultRewards((int)Math.Min(defaults - _defaultsCounted, int.MaxValue), options.Value.Rewards.Default);
                _defaultsCounted = defaults;
            }
        }
    }

    private void UpdateSegmentSizes()
    {
        var state = directory.Current;
        if (state is null)
        {
            return;
        }
        lock (_sync)
        {
            if (state.RunId == _sizedRun)
            {
                return;
            }
            var counts = new int[state.Keys.Count];
            foreach (var index in state.Users.Values)
            {
                if ((uint)index < (uint)counts.Length)
                {
                    counts[index]++;
                }
            }
            foreach (var labels in metrics.SegmentSize.GetAllLabelValues().ToList())
            {
                metrics.SegmentSize.RemoveLabelled(labels);
            }
            for (var i = 0; i < counts.Length; i++)
            {
                metrics.SegmentSize.WithLabels(state.Keys[i]).Set(counts[i]);
            }
            _sizedRun = state.RunId;
        }
    }
}

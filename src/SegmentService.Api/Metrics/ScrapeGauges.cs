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
        metrics.ImpressionsDropped(impressions.ShedCount, impressions.LateCount);
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

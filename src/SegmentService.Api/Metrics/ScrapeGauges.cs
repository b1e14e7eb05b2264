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
    NextSegmentBootstraps bootstraps)
{
    private readonly Lock _sync = new();
    private long _sizedRun = -1;

    public void Register() => metrics.Registry.AddBeforeCollectCallback(Update);

    private void Update()
    {
        UpdateSegmentSizes();
        var rows = table.Snapshot();
        metrics.QTableSegments.Set(rows.Count);
        metrics.QTableEntries.Set(rows.Sum(r => r.Entries.Count));
        metrics.BufferDepth.WithLabels("impressions").Set(impressions.PendingCount);
        metrics.BufferDepth.WithLabels("next_segment_bootstraps").Set(bootstraps.Queued);
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

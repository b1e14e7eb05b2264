using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Policy;

/// <summary>
/// Carries the Q-table across a segmentation run: a key the table already has keeps its row; a new key
/// starts from the membership-weighted mix of the rows its users came from (the run's transition matrix).
/// The result is snapshotted at once, which also raises policyVersion.
/// </summary>
public sealed class SegmentCarryOver(QTable table, PolicySnapshotStore snapshots, PolicyReadiness readiness, ILogger<SegmentCarryOver> logger)
    : ISegmentationListener
{
    public async Task OnRunCommittedAsync(SegmentationRunCommitted run, CancellationToken cancellationToken)
    {
        await readiness.WaitAsync(cancellationToken);
        var existing = table.Keys.ToHashSet(StringComparer.Ordinal);
        var created = 0;
        foreach (var key in run.SegmentKeys.Where(k => !IsKept(k, existing)))
        {
            var sources = run.Transitions
                .Where(t => t.ToKey == key && t.Users > 0 && t.FromKey != key && existing.Contains(t.FromKey))
                .Select(t => (Row: table.Row(t.FromKey).Snapshot(t.FromKey), Weight: (double)t.Users))
                .ToList();
            var mixed = Mix(sources);
            var row = table.Row(key);
            await row.Gate.WaitAsync(cancellationToken);
            try
            {
                row.Replace(mixed, row.LastSeq);
            }
            finally
            {
                row.Gate.Release();
            }
            created++;
        }
        table.BumpVersion();
        await snapshots.SaveAsync(force: true, cancellationToken);
        logger.LogInformation("Segmentation run {RunId}: {Kept} segments kept their Q-rows, {Created} started from their users' previous rows",
            run.RunId, run.SegmentKeys.Count - created, created);
    }

    private bool IsKept(string key, HashSet<string> existing) =>
        existing.Contains(key) && table.TryGetRow(key, out var row) && row.Snapshot(key).Entries.Count > 0;

    /// <summary>Per item, the user-weighted mean of the source rows that have a value for it; visits start at 0.</summary>
    internal static Dictionary<string, QEntry> Mix(IReadOnlyList<(QRowSnapshot Row, double Weight)> sources)
    {
        var sums = new Dictionary<string, (double Weighted, double Weight)>(StringComparer.Ordinal);
        foreach (var (row, weight) in sources)
        {
            foreach (var (item, entry) in row.Entries)
            {
                var (w, t) = sums.GetValueOrDefault(item);
                sums[item] = (w + weight * entry.Value, t + weight);
            }
        }
        return sums.ToDictionary(p => p.Key, p => new QEntry(p.Value.Weighted / p.Value.Weight, 0), StringComparer.Ordinal);
    }
}

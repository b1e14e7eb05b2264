namespace SegmentService.Api.Policy;

/// <summary>A new segment and the segments its users came from (with how many users each).</summary>
public sealed record SegmentOrigin(string Key, IReadOnlyList<(string FromKey, double Users)> Sources);

/// <summary>
/// Carries the table across a segmentation run: a key that already has settled cells keeps its row; a new key starts
/// from the membership-weighted mix of the rows its users came from. Done between two settle passes, then snapshotted.
/// </summary>
public sealed class PolicyCarryOver(QTable table, OutcomeSweeper sweeper, PolicySnapshotStore snapshots, ILogger<PolicyCarryOver> logger)
{
    public async Task StartSegmentsAsync(IReadOnlyList<SegmentOrigin> segments, CancellationToken cancellationToken)
    {
        var created = await sweeper.ExclusiveAsync(_ =>
        {
            var count = 0;
            foreach (var segment in segments)
            {
                if (table.TryGetRow(segment.Key, out var existing) && existing.Snapshot(segment.Key).Cells.Count > 0)
                {
                    continue;
                }
                var sources = segment.Sources
                    .Where(s => s.Users > 0 && s.FromKey != segment.Key && table.TryGetRow(s.FromKey, out QRow _))
                    .Select(s => (Row: table.Row(s.FromKey).Snapshot(s.FromKey), Weight: s.Users))
                    .ToList();
                table.Row(segment.Key).ReplaceSettled(Mix(sources), default);
                count++;
            }
            return count;
        }, cancellationToken);
        await snapshots.SaveAsync(force: true, cancellationToken);
        logger.LogInformation("{Kept} segments kept their Q-rows, {Created} started from their users' previous rows", segments.Count - created, created);
    }

    /// <summary>Per item, the user-weighted mean value and impressions of the source rows that settled it.</summary>
    internal static Dictionary<string, SettledCell> Mix(IReadOnlyList<(QRowSnapshot Row, double Weight)> sources)
    {
        var sums = new Dictionary<string, (double Value, double Impressions, double Weight)>(StringComparer.Ordinal);
        foreach (var (row, weight) in sources)
        {
            foreach (var (item, cell) in row.Cells)
            {
                var (v, n, w) = sums.GetValueOrDefault(item);
                sums[item] = (v + weight * cell.Value, n + weight * cell.Impressions, w + weight);
            }
        }
        return sums.ToDictionary(
            p => p.Key,
            p => new SettledCell(p.Value.Value / p.Value.Weight, Math.Max(1, (long)Math.Round(p.Value.Impressions / p.Value.Weight))),
            StringComparer.Ordinal);
    }
}

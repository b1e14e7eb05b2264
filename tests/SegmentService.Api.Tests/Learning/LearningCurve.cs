using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace SegmentService.Api.Tests.Learning;

/// <summary>One window of the learning curve: mean true CTRs of what was served, the greedy slates, the best and random slates.</summary>
public sealed record CurveWindow(
    string Phase, int Window, long LastIndex, int Recommendations, double Seconds,
    double Served, double Realised, double Greedy, double GreedyOracle, double Oracle, double RandomCtr,
    double[] ServedByGroup, double[] GreedyByGroup, double[] OracleByGroup)
{
    public double ServedRatio => Served / Oracle;

    public double GreedyRatio => Greedy / GreedyOracle;
}

public static class LearningCurve
{
    public const string ResultsVariable = "SEGMENTSERVICE_LEARNING_RESULTS";

    /// <summary>
    /// Windows of <see cref="LearningSettings.WindowSize"/> slates (of one group's slates when <paramref name="group"/> is set),
    /// each with the greedy snapshot taken last at or before its end.
    /// </summary>
    public static List<CurveWindow> Windows(string phase, IEnumerable<ServedSlate> served, IReadOnlyList<GreedySnapshot> snapshots, int? group = null)
    {
        var windows = new List<CurveWindow>();
        var number = 0;
        foreach (var chunk in served.Where(s => group is null || s.Group == group).OrderBy(s => s.Index).Chunk(LearningSettings.WindowSize))
        {
            var last = chunk[^1].Index;
            var snapshot = snapshots.LastOrDefault(s => s.Index <= last);
            double ByGroup(double[] values) => group is { } g ? values[g] : values.Average();
            double[] PerGroup(Func<ServedSlate, double> value) =>
                [.. Enumerable.Range(0, ShopWorld.Groups).Select(g => chunk.Where(s => s.Group == g).Select(value).DefaultIfEmpty(double.NaN).Average())];
            windows.Add(new CurveWindow(
                phase, ++number, last, chunk.Length, chunk[^1].Seconds,
                chunk.Average(s => s.ServedCtr),
                chunk.Sum(s => s.Clicks) / (double)(chunk.Length * ShopWorld.Slate),
                snapshot is null ? double.NaN : ByGroup(snapshot.Greedy),
                snapshot is null ? double.NaN : ByGroup(snapshot.Oracle),
                chunk.Average(s => s.Oracle),
                chunk.Average(s => s.RandomCtr),
                PerGroup(s => s.ServedCtr),
                snapshot?.Greedy ?? [.. Enumerable.Repeat(double.NaN, ShopWorld.Groups)],
                PerGroup(s => s.Oracle)));
        }
        return windows;
    }

    /// <summary>Prints the curve and writes it as CSV; returns the file's path.</summary>
    public static string Report(ITestOutputHelper output, string name, IReadOnlyList<CurveWindow> windows)
    {
        output.WriteLine($"{"phase",-8} {"win",3} {"recs",5} {"sec",6} {"served",7} {"clicks",7} {"greedy",7} {"oracle",7} {"random",7} {"srv/orc",7} {"grd/orc",7}  served|greedy by group");
        foreach (var w in windows)
        {
            var groups = string.Join("  ", Enumerable.Range(0, ShopWorld.Groups).Select(g => F($"g{g} {w.ServedByGroup[g]:0.000}|{w.GreedyByGroup[g]:0.000}")));
            output.WriteLine(F($"{w.Phase,-8} {w.Window,3} {w.LastIndex,5} {w.Seconds,6:0.0} {w.Served,7:0.000} {w.Realised,7:0.000} {w.Greedy,7:0.000} {w.Oracle,7:0.000} {w.RandomCtr,7:0.000} {w.ServedRatio,7:0.00} {w.GreedyRatio,7:0.00}  {groups}"));
        }
        var folder = Environment.GetEnvironmentVariable(ResultsVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "segmentservice-learning");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, F($"{name}-{DateTime.UtcNow:yyyyMMddTHHmmss}.csv"));
        var csv = new StringBuilder("phase,window,last_recommendation,recommendations,seconds,served_ctr,realised_ctr,greedy_ctr,greedy_oracle_ctr,oracle_ctr,random_ctr,served_ratio,greedy_ratio");
        for (var g = 0; g < ShopWorld.Groups; g++)
        {
            csv.Append(F($",served_g{g},greedy_g{g},oracle_g{g}"));
        }
        csv.AppendLine();
        foreach (var w in windows)
        {
            csv.Append(F($"{w.Phase},{w.Window},{w.LastIndex},{w.Recommendations},{w.Seconds:0.00},{w.Served:0.0000},{w.Realised:0.0000},{w.Greedy:0.0000},{w.GreedyOracle:0.0000},{w.Oracle:0.0000},{w.RandomCtr:0.0000},{w.ServedRatio:0.000},{w.GreedyRatio:0.000}"));
            for (var g = 0; g < ShopWorld.Groups; g++)
            {
                csv.Append(F($",{w.ServedByGroup[g]:0.0000},{w.GreedyByGroup[g]:0.0000},{w.OracleByGroup[g]:0.0000}"));
            }
            csv.AppendLine();
        }
        File.WriteAllText(path, csv.ToString());
        output.WriteLine($"curve CSV: {path}");
        return path;
    }

    /// <summary>
    /// Per 1,000 slates: each source's share of the shown items and their mean true CTR, then its share at each slate
    /// position, so a slow curve shows which slots (the segment's greedy ones, exploration, the user's sources) did not
    /// find the hot items.
    /// </summary>
    public static void ReportSources(ITestOutputHelper output, IReadOnlyList<ServedSlate> served)
    {
        const int block = 1000;
        var sources = served.SelectMany(s => s.Slots).Select(s => s.Source).Distinct().Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"shown items by source per {block:N0} slates: share, mean true CTR, share of them hot (CTR ≥ {ShopWorld.HotCtr})");
        foreach (var chunk in served.OrderBy(s => s.Index).Chunk(block))
        {
            var slots = chunk.SelectMany(s => s.Slots).ToList();
            var parts = sources.Select(source =>
            {
                var mine = slots.Where(s => s.Source == source).ToList();
                return mine.Count == 0
                    ? F($"{source} –")
                    : F($"{source} {mine.Count / (double)slots.Count:P0} {mine.Average(s => s.Ctr):0.000} {mine.Count(s => s.Ctr >= ShopWorld.HotCtr) / (double)mine.Count:P0}");
            });
            output.WriteLine(F($"  to {chunk[^1].Index,5}: {string.Join("  |  ", parts)}"));
            // The greedy slots come first in a slate and the exploration slots last, so positions show which slots a source takes.
            var byPosition = Enumerable.Range(0, ShopWorld.Slate).Select(position =>
            {
                var at = chunk.Where(s => s.Slots.Count > position).Select(s => s.Slots[position]).ToList();
                return F($"#{position + 1} ") + string.Join(" ", sources.Select(source => F($"{source} {at.Count(s => s.Source == source) / (double)Math.Max(1, at.Count):P0}")));
            });
            output.WriteLine(F($"          by slate position: {string.Join("  |  ", byPosition)}"));
        }
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

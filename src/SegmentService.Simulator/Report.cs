using System.Globalization;
using System.Text;
using ScottPlot;

namespace SegmentService.Simulator;

/// <summary>simulation.csv (one row per window) and simulation.png (CTR over time against random and oracle, drift marked).</summary>
internal static class Report
{
    public static string WriteCsv(IReadOnlyList<WindowStats> windows, string directory)
    {
        var csv = new StringBuilder(
            "window_start_s,window_end_s,sessions,slots,clicks,ctr,reward_per_slot,random_ctr,oracle_ctr,random_reward_per_slot,oracle_reward_per_slot,segments_seen,drift\n");
        foreach (var w in windows)
        {
            csv.AppendLine(string.Join(',',
                F(w.StartSeconds, 1), F(w.EndSeconds, 1), w.Sessions.ToString(CultureInfo.InvariantCulture), w.Slots.ToString(CultureInfo.InvariantCulture),
                w.Clicks.ToString(CultureInfo.InvariantCulture), F(w.Ctr, 4), F(w.RewardPerSlot, 4), F(w.RandomCtrPerSlot, 4), F(w.OracleCtrPerSlot, 4),
                F(w.RandomRewardPerSlot, 4), F(w.OracleRewardPerSlot, 4), w.Segments.Count.ToString(CultureInfo.InvariantCulture),
                w.Drift is null ? "" : $"\"{w.Drift.Replace("\"", "'", StringComparison.Ordinal)}\""));
        }
        var path = Path.Combine(directory, "simulation.csv");
        File.WriteAllText(path, csv.ToString());
        return path;
    }

    public static string WritePng(IReadOnlyList<WindowStats> windows, IReadOnlyList<TimeSpan> driftAt, string directory)
    {
        var plot = new Plot();
        var xs = windows.Select(w => w.EndSeconds).ToArray();
        var service = plot.Add.Scatter(xs, windows.Select(w => w.Ctr * 100).ToArray());
        service.LegendText = "service (observed)";
        service.LineWidth = 3;
        var oracle = plot.Add.Scatter(xs, windows.Select(w => w.OracleCtrPerSlot * 100).ToArray());
        oracle.LegendText = "oracle (true preferences)";
        oracle.LinePattern = LinePattern.Dashed;
        var random = plot.Add.Scatter(xs, windows.Select(w => w.RandomCtrPerSlot * 100).ToArray());
        random.LegendText = "random slate";
        random.LinePattern = LinePattern.Dotted;
        foreach (var at in driftAt)
        {
            var line = plot.Add.VerticalLine(at.TotalSeconds);
            line.LineColor = Colors.Gray;
            line.LinePattern = LinePattern.Dashed;
            line.Text = "drift";
        }
        plot.Title("Storefront simulator: CTR per window");
        plot.XLabel("seconds since start");
        plot.YLabel("CTR (%)");
        plot.Axes.SetLimitsY(0, Math.Max(5, windows.Select(w => Math.Max(w.Ctr, w.OracleCtrPerSlot) * 100).DefaultIfEmpty(0).Max() * 1.1));
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(directory, "simulation.png");
        plot.SavePng(path, 1000, 520);
        return path;
    }

    private static string F(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

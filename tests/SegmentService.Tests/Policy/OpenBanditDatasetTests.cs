using System.Globalization;
using SegmentService.Api.Policy;
using Xunit.Abstractions;

namespace SegmentService.Tests.Policy;

/// <summary>
/// Finds the Open Bandit Dataset sample: SEGMENTSERVICE_OBD_PATH, else ../shared/data/obd beside the
/// repository. The data stays outside the repository; without it the tests are skipped, saying why.
/// </summary>
public sealed class ObdFactAttribute : FactAttribute
{
    public const string EnvironmentVariable = "SEGMENTSERVICE_OBD_PATH";

    public ObdFactAttribute()
    {
        if (Locate() is null)
        {
            Skip = $"Open Bandit Dataset not found: set {EnvironmentVariable}, or put it at ../shared/data/obd relative to the repository root.";
        }
    }

    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return Directory.Exists(Path.Combine(configured, "random")) ? configured : null;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SegmentService.sln")))
            {
                var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "obd"));
                return Directory.Exists(Path.Combine(path, "random")) ? path : null;
            }
        }
        return null;
    }
}

public sealed class OpenBanditDatasetTests(ITestOutputHelper output)
{
    /// <summary>One logged impression: the context (user-item affinities), the item shown, its click and propensity.</summary>
    private sealed record Row(int ItemId, int Position, int Click, double Propensity, double[] Affinity);

    private static List<Row> Load(string campaign)
    {
        var path = Path.Combine(ObdFactAttribute.Locate()!, "random", campaign, campaign + ".csv");
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()!.Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        var (item, position, click, propensity) = (Col("item_id"), Col("position"), Col("click"), Col("propensity_score"));
        var affinity = header.Select((name, i) => (name, i)).Where(c => c.name.StartsWith("user-item_affinity_", StringComparison.Ordinal)).Select(c => c.i).ToArray();
        var rows = new List<Row>();
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(',');
            rows.Add(new Row(
                int.Parse(f[item], CultureInfo.InvariantCulture),
                int.Parse(f[position], CultureInfo.InvariantCulture),
                int.Parse(f[click], CultureInfo.InvariantCulture),
                double.Parse(f[propensity], CultureInfo.InvariantCulture),
                [.. affinity.Select(i => double.Parse(f[i], CultureInfo.InvariantCulture))]));
        }
        return rows;
    }

    [ObdFact]
    public void IpsOfTheUniformLoggingPolicyEqualsTheLoggedCtr()
    {
        foreach (var campaign in new[] { "men", "women" })
        {
            var rows = Load(campaign);
            var items = rows.Select(r => r.ItemId).Distinct().Count();
            Assert.All(rows, r => Assert.Equal(1.0 / items, r.Propensity, 9));

            var estimate = OffPolicyEstimator.Estimate(rows.Select(r => new LoggedDecision(r.Click, r.Propensity, r.Propensity)));
            var ctr = rows.Average(r => r.Click);

            output.WriteLine($"{campaign}: {rows.Count} impressions, {items} items, logged CTR {ctr:P3}, IPS {estimate.Ips:P3}, SNIPS {estimate.Snips:P3}");
            Assert.Equal(ctr, estimate.Ips, 12);
            Assert.Equal(ctr, estimate.Snips, 12);
        }
    }

    [ObdFact]
    public void IpsOfADeterministicPolicyMatchesItsReplayEstimate()
    {
        foreach (var campaign in new[] { "men", "women" })
        {
            var rows = Load(campaign);
            var items = rows.Select(r => r.ItemId).Distinct().Count();
            // A fixed deterministic policy: the item with the user's highest affinity, shifted by the slot (ties: lowest id).
            int Policy(Row r) => (Array.IndexOf(r.Affinity, r.Affinity.Max()) + r.Position) % items;

            // Replay (Li et al. 2011): keep the impressions where the log shows what the policy would have, average their clicks.
            var matched = rows.Where(r => r.ItemId == Policy(r)).ToList();
            var replay = matched.Average(r => (double)r.Click);

            var estimate = OffPolicyEstimator.Estimate(rows.Select(r => new LoggedDecision(r.Click, r.Propensity, r.ItemId == Policy(r) ? 1 : 0)));

            output.WriteLine($"{campaign}: {matched.Count} of {rows.Count} impressions match; replay {replay:P3} ({matched.Sum(r => r.Click)} clicks), IPS {estimate.Ips:P3}, SNIPS {estimate.Snips:P3}");
            Assert.True(matched.Count > 100);
            // Under uniform logging SNIPS is the replay estimate exactly; IPS differs only by the match count's
            // chance deviation from N/K, whose relative standard error is about sqrt((K − 1) / N).
            Assert.Equal(replay, estimate.Snips, 12);
            var tolerance = 3 * Math.Sqrt((items - 1.0) / rows.Count) * Math.Max(replay, 1e-12);
            Assert.InRange(estimate.Ips, replay - tolerance, replay + tolerance);
        }
    }
}

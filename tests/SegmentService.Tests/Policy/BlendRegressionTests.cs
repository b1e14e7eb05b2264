using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class BlendRegressionTests
{
    /// <summary>Shown items of a segment: b from 0 to 0.4, each source proposing a third of them, Bernoulli-sized rewards.</summary>
    private static List<(double[] Features, double Reward)> Shown(int n, double intercept, double slope, double similar, double content, int seed)
    {
        var random = new Random(seed);
        var shown = new List<(double[], double)>();
        for (var i = 0; i < n; i++)
        {
            var b = random.NextDouble() * 0.4;
            var xs = random.NextDouble() < 0.33 ? 0.5 + random.NextDouble() : 0;
            var xc = random.NextDouble() < 0.33 ? 0.5 + random.NextDouble() : 0;
            var expected = intercept + slope * b + similar * xs + content * xc;
            shown.Add(([b, xs, xc], random.NextDouble() < expected ? 1.0 : 0.0));
        }
        return shown;
    }

    private static double[] Statistics(IEnumerable<(double[] Features, double Reward)> shown)
    {
        var statistics = new double[BlendRegression.StatisticsLength];
        foreach (var (features, reward) in shown)
        {
            BlendRegression.Add(statistics, features, 1, reward);
        }
        return statistics;
    }

    [Fact]
    public void TheFitRecoversWhatEachFeatureAddsToTheReward()
    {
        var statistics = Statistics(Shown(40_000, 0.02, 0.8, 0.2, 0, seed: 3));
        var (beta, spread) = (new double[4], new double[4]);

        BlendRegression.Solve(statistics, priorImpressions: 5, level: 0.2, beta, spread);

        Assert.Equal(0.02, beta[0], 0.02);
        Assert.Equal(0.8, beta[1], 0.1);
        Assert.Equal(0.2, beta[2], 0.02);
        Assert.Equal(0.0, beta[3], 0.02);
        // The standard errors √(σ² V) are small at 40,000 shown items but not zero.
        Assert.All(spread, v => Assert.InRange(v, 1e-7, 1e-2));
    }

    [Fact]
    public void WithoutDataTheFitIsThePrior()
    {
        var (beta, spread) = (new double[4], new double[4]);

        BlendRegression.Solve(new double[BlendRegression.StatisticsLength], priorImpressions: 5, level: 0.2, beta, spread);

        Assert.Equal([0, 1, 0, 0], beta);
        Assert.Equal(1 / 5.0, spread[2], 12);
    }

    [Fact]
    public void TheStatisticsDoNotDependOnTheOrderOutcomesArriveIn()
    {
        var shown = Shown(500, 0.05, 1, 0.1, 0.05, seed: 5);
        var inOrder = Statistics(shown);

        // Impressions counted first and rewards later, newest first: the same sums.
        var late = new double[BlendRegression.StatisticsLength];
        foreach (var (features, _) in shown)
        {
            BlendRegression.Add(late, features, 1, 0);
        }
        foreach (var (features, reward) in Enumerable.Reverse(shown))
        {
            BlendRegression.Add(late, features, 0, reward);
        }

        Assert.Equal(inOrder.Length, late.Length);
        for (var i = 0; i < inOrder.Length; i++)
        {
            Assert.Equal(inOrder[i], late[i], 9);
        }
    }

    [Fact]
    public void ARowsPendingCountsLeaveWithoutATraceAndSettledOnesRemainWithTheirDiscount()
    {
        var row = new QRow();
        var shown = Shown(200, 0.05, 1, 0.1, 0.05, seed: 7);
        foreach (var (features, reward) in shown)
        {
            row.AddBlendPending(features, 1, 0);
            row.AddBlendPending(features, 0, reward);
        }
        foreach (var (features, reward) in shown)
        {
            row.AddBlendPending(features, -1, -reward);
            row.SettleBlend(features, reward, memory: double.PositiveInfinity);
        }
        var statistics = new double[BlendRegression.StatisticsLength];

        Assert.True(row.BlendStatistics(statistics));

        var expected = Statistics(shown);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], statistics[i], 9);
        }
        // With a memory of 100 shown items, the 200th item's statistics count 1 and the first's (1 − 1/100)^199.
        var fading = new QRow();
        fading.SettleBlend([0.1, 0, 0], 1, memory: 100);
        for (var i = 1; i < 200; i++)
        {
            fading.SettleBlend([0.1, 0, 0], 0, memory: 100);
        }
        fading.BlendStatistics(statistics);
        Assert.Equal(Math.Pow(0.99, 199), statistics[BlendRegression.Dimension * BlendRegression.Dimension], 9);
        Assert.Equal((1 - Math.Pow(0.99, 200)) / 0.01, statistics[^1], 6);
    }

    [Fact]
    public void ASnapshotKeepsTheSettledStatisticsAndAnOlderFormatStillLoads()
    {
        var table = new QTable();
        var sources = table.Row(QTable.SourcesKey("seg-1"));
        foreach (var (features, reward) in Shown(300, 0.05, 1, 0.1, 0.05, seed: 9))
        {
            sources.SettleBlend(features, reward, memory: 1000);
        }
        sources.AddBlendPending([0.3, 1, 0], 1, 5);
        var rows = table.Snapshot();

        var restored = new QTable();
        restored.Restore(PolicySnapshotStore.Deserialize(PolicySnapshotStore.Serialize(Watermark.Start, rows))!.Value.Rows);

        var (expected, actual) = (rows.Single(r => r.Blend is not null).Blend!, restored.Snapshot().Single(r => r.Blend is not null).Blend!);
        Assert.Equal(expected, actual);
        // The pending item is not in the snapshot.
        var statistics = new double[BlendRegression.StatisticsLength];
        restored.Row(QTable.SourcesKey("seg-1")).BlendStatistics(statistics);
        Assert.Equal(expected[^1], statistics[^1]);

        var older = FormatTwo(rows);
        var loaded = PolicySnapshotStore.Deserialize(older);
        Assert.NotNull(loaded);
        Assert.All(loaded.Value.Rows, r => Assert.Null(r.Blend));
        Assert.Equal(rows.Select(r => r.Key), loaded.Value.Rows.Select(r => r.Key));
    }

    /// <summary>A snapshot body as format 2 wrote it (no blend statistics).</summary>
    private static byte[] FormatTwo(IReadOnlyList<QRowSnapshot> rows)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(2);
            writer.Write(Watermark.Start.CreatedAt.UtcTicks);
            writer.Write(Watermark.Start.RecommendationId);
            writer.Write(rows.Count);
            foreach (var row in rows)
            {
                writer.Write(row.Key);
                writer.Write(row.Totals.Impressions);
                writer.Write(row.Totals.Reward);
                writer.Write(row.Totals.SquaredReward);
                writer.Write(row.Cells.Count);
                foreach (var (item, cell) in row.Cells)
                {
                    writer.Write(item);
                    writer.Write(cell.Value);
                    writer.Write(cell.Impressions);
                }
            }
        }
        return stream.ToArray();
    }

    [Fact]
    public void ASourceWhoseAffinityPredictsRewardIsWeightedAndOneThatPredictsNothingFades()
    {
        var (scorer, table) = ScorerOverShownItems(new PolicyOptions());
        var (served, exploration) = (new double[2], new double[2]);

        scorer.BlendWeights(table, "seg-1", served, exploration);

        // β_b ≈ 1 here, so the served weight is the coefficient itself; the exploration weight is only a small bonus on top.
        Assert.InRange(served[0], 0.12, 0.18);
        Assert.InRange(served[1], 0, 0.02);
        Assert.InRange(exploration[0], 1e-4, 0.02);
        // A segment with no shown items yet: nothing served, only the exploration bonus, the same for both sources.
        scorer.BlendWeights(table, "seg-new", served, exploration);
        Assert.Equal([0.0, 0.0], served);
        Assert.True(exploration[0] > 0);
        Assert.Equal(exploration[0], exploration[1], 12);
    }

    [Fact]
    public void WithoutTheUcbBonusTheSelectionScoreTakesTheServedWeightAndNothingMore()
    {
        var (scorer, table) = ScorerOverShownItems(new PolicyOptions { Exploration = ExplorationKind.EpsilonGreedy });
        var (served, exploration) = (new double[2], new double[2]);

        scorer.BlendWeights(table, "seg-1", served, exploration);

        Assert.InRange(served[0], 0.12, 0.18);
        Assert.Equal(served, exploration);
    }

    /// <summary>A scorer over segment "seg-1" of 30,000 shown items whose `similar` affinity adds 0.15 to the reward and `content` nothing.</summary>
    private static (PolicyScorer Scorer, QTable Table) ScorerOverShownItems(PolicyOptions settings)
    {
        var options = Options.Create(settings);
        var table = new QTable();
        var scorer = new PolicyScorer(new ItemPriors(table, options, new FakeTimeProvider()), options);
        var shown = Shown(30_000, 0.02, 1, 0.15, 0, seed: 11);
        var rewards = shown.Sum(s => s.Reward);
        table.Restore([
            new QRowSnapshot("seg-1", new QRow.RowTotals(shown.Count, rewards, rewards), new Dictionary<string, SettledCell>()),
            new QRowSnapshot(QTable.SourcesKey("seg-1"), default, new Dictionary<string, SettledCell>(), Statistics(shown)),
        ]);
        return (scorer, table);
    }
}

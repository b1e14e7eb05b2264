using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using Xunit.Abstractions;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

/// <summary>Uniform logging (ε = 1): every candidate of a slot has the same propensity.</summary>
public class EvaluationFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:Epsilon", "1")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync([
            .. Enumerable.Range(0, 4).Select(i => ($"eq-{i}", "eq", true)),
            .. Enumerable.Range(0, 4).Select(i => ($"v-{i}", "v", true)),
        ]);
    }
}

/// <summary>A factory of its own, so the seeded exploration sequence (and with it the logged slates) is the test's alone.</summary>
public sealed class HeldOutEvaluationFactory : EvaluationFactory;

public sealed class HeldOutEvaluationTests(HeldOutEvaluationFactory factory, ITestOutputHelper output) : IClassFixture<HeldOutEvaluationFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task WhenEveryItemHasTheSameValueTheGreedyEstimateOfAHeldOutLogIsWithinTwoStandardErrorsOfTheTruth()
    {
        const double ctr = 0.1;
        factory.Segments.Keys["eq-user"] = "seg-eq";
        var random = new Random(17);
        async Task<(int Slots, int Clicks)> ServeAsync(int answers)
        {
            var (slots, clicks) = (0, 0);
            for (var i = 0; i < answers; i++)
            {
                // Distinct times fix the fold order (answers in the same instant are ordered by their random ids).
                factory.Time.Advance(TimeSpan.FromMilliseconds(1));
                var answer = await PolicyFactory.RecommendAsync(_client, "userId=eq-user&category=eq&count=2");
                foreach (var item in answer.Items)
                {
                    slots++;
                    if (random.NextDouble() < ctr)
                    {
                        clicks++;
                        Assert.True((await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, item.ItemId)).ReadOkAsync<FeedbackResponse>()).Applied);
                    }
                }
            }
            return (slots, clicks);
        }

        // Train on one log (its noise makes some items look better), snapshot, then evaluate on the next log only.
        await ServeAsync(300);
        await factory.CloseWindowsAsync();
        await factory.SweepAsync();
        var version = await factory.Get<PolicySnapshotStore>().SaveAsync(force: true, CancellationToken.None);
        var learnt = factory.Table().Single(r => r.Key == "seg-eq").Cells.Values.Select(c => c.Value).ToList();
        Assert.Equal(4, learnt.Count);
        Assert.True(learnt.Max() - learnt.Min() > 0.01, "the snapshot prefers some items, by chance");
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var from = factory.Time.GetUtcNow();
        var (slots, clicks) = await ServeAsync(1000);
        var evaluation = await PolicyEvaluationTests.EvaluateAsync(factory, from, factory.Time.GetUtcNow().AddSeconds(1));
        output.WriteLine($"greedy IPS {evaluation.Greedy.Ips:F4} ± {evaluation.Greedy.IpsStandardError:F4}, SNIPS {evaluation.Greedy.Snips:F4} ± {evaluation.Greedy.SnipsStandardError:F4}; logged {evaluation.LoggedMeanReward:F4}; truth {ctr}");

        Assert.Equal(version!.Value, evaluation.PolicyVersion);
        Assert.Equal((1000, slots), (evaluation.Impressions, evaluation.Decisions));
        Assert.Equal(clicks / (double)slots, evaluation.LoggedMeanReward, 12);
        var greedy = evaluation.Greedy;
        Assert.InRange(greedy.IpsStandardError, 1e-3, 0.04);
        Assert.InRange(greedy.Ips, ctr - 2 * greedy.IpsStandardError, ctr + 2 * greedy.IpsStandardError);
        Assert.InRange(greedy.Snips, ctr - 2 * greedy.SnipsStandardError, ctr + 2 * greedy.SnipsStandardError);
    }
}

public sealed class PolicyEvaluationTests(EvaluationFactory factory) : IClassFixture<EvaluationFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task EvaluationScoresTheSnapshotInForceAtFromNotTheCurrentTable()
    {
        factory.Segments.Keys["v-user"] = "seg-v";
        var table = factory.Get<QTable>();
        // Only v-1 is ever clicked. The first snapshot believes in v-0, the second in v-1.
        async Task<long> BelieveAsync(string best)
        {
            table.Row("seg-v").ReplaceSettled(
                Enumerable.Range(0, 4).ToDictionary(i => $"v-{i}", i => new SettledCell($"v-{i}" == best ? 1 : 0, 40)),
                new QRow.RowTotals(160, 40, 40));
            var saved = await factory.Get<PolicySnapshotStore>().SaveAsync(force: true, CancellationToken.None);
            factory.Time.Advance(TimeSpan.FromSeconds(1));
            return saved!.Value;
        }
        async Task ServeAsync()
        {
            for (var i = 0; i < 100; i++)
            {
                var answer = await PolicyFactory.RecommendAsync(_client, "userId=v-user&category=v&count=1");
                if (answer.Items[0].ItemId == "v-1")
                {
                    (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, "v-1")).EnsureSuccessStatusCode();
                }
            }
            factory.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await BelieveAsync("v-0");
        var from1 = factory.Time.GetUtcNow();
        await ServeAsync();
        var second = await BelieveAsync("v-1");
        var from2 = factory.Time.GetUtcNow();
        await ServeAsync();
        var to = factory.Time.GetUtcNow();

        var early = await EvaluateAsync(factory, from1, from2);
        var late = await EvaluateAsync(factory, from2, to);
        var all = await EvaluateAsync(factory, from1, to);

        Assert.Equal(second, table.Version);
        Assert.Equal((first, 100), (early.PolicyVersion, early.Impressions));
        Assert.Equal((0.0, 0.0), (early.Greedy.Ips, early.Greedy.Snips)); // v-0 never earned anything
        Assert.Equal((second, 100), (late.PolicyVersion, late.Impressions));
        Assert.Equal(1.0, late.Greedy.Snips, 12); // v-1 earned a click every time it was shown
        Assert.InRange(late.Greedy.Ips, 1 - 3 * late.Greedy.IpsStandardError, 1 + 3 * late.Greedy.IpsStandardError);
        // The table in force at `from` is evaluated, although a later one is current.
        Assert.Equal((first, 200), (all.PolicyVersion, all.Impressions));
        Assert.Equal(0.0, all.Greedy.Snips);
    }

    internal static async Task<PolicyEvaluation> EvaluateAsync(PolicyFactory factory, DateTimeOffset from, DateTimeOffset to)
    {
        using var admin = factory.Admin();
        return await (await admin.GetAsync($"/admin/policy/evaluation?from={from:O}&to={to:O}".Replace("+", "%2B", StringComparison.Ordinal)))
            .ReadOkAsync<PolicyEvaluation>();
    }
}

using System.Net;
using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Segmentation;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

public sealed class AdminFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:Epsilon", "0.2")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 6).Select(i => ($"a-item-{i}", "shoes", true)));
    }
}

public sealed class PolicyAdminTests(AdminFactory factory) : IClassFixture<AdminFactory>
{
    private readonly HttpClient _admin = factory.Admin();
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task PolicySummaryListsTopItemsWithPendingAndSettledVisitsAndTheExplorationSetting()
    {
        factory.Segments.Keys["adm"] = "seg-adm";
        var answer = await PolicyFactory.RecommendAsync(_client, "userId=adm&count=2");
        await (await PolicyFactory.PurchaseAsync(_client, answer.RecommendationId, answer.Items[0].ItemId, 3)).ReadOkAsync<FeedbackResponse>();
        // The purchase's behaviour event (which moves the item's prior) is written right behind the answer.
        await factory.FeedbackEventsWrittenAsync();

        var summary = await (await _admin.GetAsync("/admin/policy?top=5")).ReadOkAsync<PolicySummary>();

        Assert.Equal(("ucb", 0.2, 2), (summary.Exploration.Strategy, summary.Exploration.Epsilon, summary.Exploration.ExplorationSlots));
        var segment = Assert.Single(summary.Segments, s => s.Key == "seg-adm");
        Assert.Equal((2, 0L), (segment.Items, segment.Visits));
        // The purchase counts at once: the bought item leads, shown once and still pending, served from today's prior.
        var top = segment.TopItems[0];
        Assert.Equal((answer.Items[0].ItemId, 0L, 1.0), (top.ItemId, top.Visits, top.Pending));
        var k = factory.Rule().PriorImpressions;
        var prior = factory.Get<ItemPriors>().Prior("seg-adm", answer.Items[0].ItemId);
        Assert.Equal((k * prior + 5) / (k + 1), top.Q, 12);

        await factory.CloseWindowsAsync();
        await factory.SweepAsync();
        var settled = await (await _admin.GetAsync("/admin/policy?top=5")).ReadOkAsync<PolicySummary>();
        var row = Assert.Single(settled.Segments, s => s.Key == "seg-adm");
        Assert.Equal(2L, row.Visits);
        Assert.Equal(2.5, row.MeanReward, 12);
        Assert.Equal((answer.Items[0].ItemId, 1L, 0.0), (row.TopItems[0].ItemId, row.TopItems[0].Visits, row.TopItems[0].Pending));
        // Settled from the prior logged with the impression (its score when served).
        Assert.Equal((k * answer.Items[0].Score + 5) / (k + 1), row.TopItems[0].Q, 12);
    }

    [Fact]
    public async Task StorefrontKeyMayNotReadThePolicy()
    {
        await (await _client.GetAsync("/admin/policy")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-11-27", "to")]
    [InlineData("from=2026-11-28T00:00:00Z&to=2026-11-27T00:00:00Z", "from")]
    [InlineData("top=0", "top")]
    public async Task InvalidQueryNamesTheField(string query, string field)
    {
        var path = field == "top" ? "/admin/policy?" : "/admin/policy/evaluation?";
        await (await _admin.GetAsync(path + query)).AssertFieldErrorAsync(field);
    }

    [Fact]
    public async Task EvaluationCountsImpressionsSlotsAndTheLoggedRewardInTheWindow()
    {
        factory.Segments.Keys["eva"] = "seg-eva";
        factory.Time.Advance(TimeSpan.FromHours(1));
        var from = factory.Time.GetUtcNow();
        var answers = new List<SegmentService.Api.Recommendations.RecommendResponse>();
        for (var i = 0; i < 30; i++)
        {
            answers.Add(await PolicyFactory.RecommendAsync(_client, "userId=eva&count=3"));
        }
        foreach (var answer in answers.Take(10))
        {
            await (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, answer.Items[0].ItemId)).ReadOkAsync<FeedbackResponse>();
        }
        var to = factory.Time.GetUtcNow().AddSeconds(1);
        var evaluation = await (await _admin.GetAsync($"/admin/policy/evaluation?from={from:O}&to={to:O}".Replace("+", "%2B", StringComparison.Ordinal)))
            .ReadOkAsync<PolicyEvaluation>();

        Assert.Equal((30, 90), (evaluation.Impressions, evaluation.Decisions));
        Assert.Contains("cumulative", evaluation.Estimator, StringComparison.Ordinal);
        Assert.Equal(10.0 / 90, evaluation.LoggedMeanReward, 12);
        Assert.All([evaluation.Greedy.Ips, evaluation.Greedy.Snips, evaluation.Exploring.Ips, evaluation.Exploring.Snips],
            v => Assert.True(double.IsFinite(v) && v >= 0));
    }

    [Fact]
    public async Task NewSegmentStartsFromTheMixOfItsUsersRowsAndTheVersionRises()
    {
        var table = factory.Get<QTable>();
        table.Row("old-a").ReplaceSettled(
            new Dictionary<string, SettledCell> { ["a-item-0"] = new(1, 4), ["a-item-1"] = new(0.5, 2) }, new QRow.RowTotals(6, 5, 5));
        table.Row("old-b").ReplaceSettled(new Dictionary<string, SettledCell> { ["a-item-0"] = new(0, 8) }, new QRow.RowTotals(8, 0, 0));
        var version = table.Version;

        await factory.Get<ISegmentationListener>().OnRunCommittedAsync(new SegmentationRunCommitted(
            2, 1, ["old-a", "new-c"],
            [new("old-a", "old-a", 10), new("old-a", "new-c", 3), new("old-b", "new-c", 1)]), CancellationToken.None);

        var rows = factory.Table();
        var mixed = rows.Single(r => r.Key == "new-c").Cells;
        // Weighted by the users that moved (3 from old-a, 1 from old-b), values and impressions alike.
        Assert.Equal(new SettledCell(0.75, 5), mixed["a-item-0"]);
        Assert.Equal(new SettledCell(0.5, 2), mixed["a-item-1"]);
        Assert.Equal(new SettledCell(1, 4), rows.Single(r => r.Key == "old-a").Cells["a-item-0"]);
        Assert.True(table.Version > version);
        Assert.True(await factory.ScalarAsync<long>("SELECT count(*) FROM policy_snapshots") >= 1);
    }
}

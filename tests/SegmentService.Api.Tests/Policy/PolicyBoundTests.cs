using System.Text.Json.Nodes;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

/// <summary>Q-table rows and prior rows bounded at 16 items, over a 40-item catalogue.</summary>
public sealed class PolicyBoundFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings =>
    [
        new("Policy:MaxCellsPerSegment", "16"),
        new("Policy:MaxPriorItemsPerSegment", "16"),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 40).Select(i => ($"q-{i:00}", "bags", true)));
    }
}

public sealed class PolicyBoundTests(PolicyBoundFactory factory) : IClassFixture<PolicyBoundFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task AQTableRowStaysWithinMaxCellsPerSegmentCountsWhatItEvictedAndKeepsWhatWasClicked()
    {
        var before = await Scrape.MetricsAsync(factory);
        var shown = new HashSet<string>(StringComparer.Ordinal);
        var clicked = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var answer = await PolicyFactory.RecommendAsync(_client, $"userId=qb-{i}&count=10&category=bags");
            shown.UnionWith(answer.Items.Select(x => x.ItemId));
            if (i < 3)
            {
                clicked.Add(answer.Items[0].ItemId);
                (await PolicyFactory.ClickAsync(_client, answer.RecommendationId, answer.Items[0].ItemId)).EnsureSuccessStatusCode();
            }
        }
        Assert.True(shown.Count > 16, $"more items were shown ({shown.Count}) than a row may keep");

        await factory.CloseWindowsAsync();
        await factory.SweepAsync();

        var row = factory.Get<QTable>().Row("cold-start");
        Assert.InRange(row.SettledCount, 14, 16);
        Assert.Equal(row.SettledCount, row.Count); // nothing pending is left behind once settled
        Assert.Equal(120, row.Totals.Impressions); // the segment's level keeps every impression
        var after = await Scrape.MetricsAsync(factory);
        var evicted = Scrape.Value(after, "segmentservice_memory_shed_total{map=\"qtable\"}") - Scrape.Value(before, "segmentservice_memory_shed_total{map=\"qtable\"}");
        // Every item shown and not held was evicted at least once (an item shown again after its eviction re-enters).
        Assert.True(evicted >= shown.Count - row.SettledCount, $"evicted {evicted}, shown {shown.Count}, held {row.SettledCount}");
        Assert.True(Scrape.Value(after, "segmentservice_qtable_entries") <= 16);
        // Clicked cells are the row's best: never evicted.
        Assert.All(clicked, item => Assert.True(factory.Cell("cold-start", item).Impressions >= 1, item));
    }

    [Fact]
    public async Task PriorRowsStayWithinMaxPriorItemsPerSegmentAndARebuildDropsItemsNotInTheCatalogue()
    {
        var priors = factory.Get<ItemPriors>();
        var shedBefore = priors.ShedCount;
        // A strong signal for an item that is not sold, then one click on each of the 40 items.
        await PostAsync([.. Enumerable.Range(0, 3).Select(n => ("pb-ghost-buyer", "purchase", "ghost-item", n))]);
        await PostAsync([.. Enumerable.Range(0, 40).Select(i => ($"pb-{i}", "click", $"q-{i:00}", 0))]);

        // Two rows (cold-start and the shop's), each within 16; 41 items went into each.
        Assert.InRange(priors.CellCount, 2, 2 * 16);
        Assert.True(priors.ShedCount - shedBefore >= 2 * (41 - 16), $"shed {priors.ShedCount - shedBefore}");
        var metrics = await Scrape.MetricsAsync(factory);
        Assert.Equal(priors.CellCount, Scrape.Value(metrics, "segmentservice_memory_entries{map=\"priors\"}"));
        Assert.Equal(priors.ShedCount, Scrape.Value(metrics, "segmentservice_memory_shed_total{map=\"priors\"}"));
        Assert.True(priors.Prior("cold-start", "ghost-item") > priors.Prior("cold-start", "never-engaged"), "the strongest item is kept");

        await factory.Get<ItemPriorsFeed>().LoadAsync(CancellationToken.None);

        Assert.InRange(priors.CellCount, 2, 2 * 16);
        Assert.Equal(priors.Prior("cold-start", "never-engaged"), priors.Prior("cold-start", "ghost-item"), 12);
    }

    private async Task PostAsync((string User, string Type, string Item, int Id)[] events)
    {
        var array = new JsonArray();
        foreach (var (user, type, item, id) in events)
        {
            array.Add(new JsonObject { ["eventId"] = $"pb-{user}-{item}-{id}", ["userId"] = user, ["type"] = type, ["itemId"] = item });
        }
        (await _client.PostAsync("/events", Json(new JsonObject { ["events"] = array }.ToJsonString()))).EnsureSuccessStatusCode();
    }
}

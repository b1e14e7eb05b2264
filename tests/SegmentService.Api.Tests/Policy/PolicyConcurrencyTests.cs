using System.Net;
using System.Net.Http.Json;
using SegmentService.Api.Feedback;

namespace SegmentService.Api.Tests.Policy;

public sealed class ConcurrencyFactory : PolicyFactory
{
    // Purchases would otherwise use up the ten items of each user.
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Recommend:ExcludePurchased", "false")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 10).Select(i => ($"c-item-{i}", "shoes", true)));
    }
}

public sealed class PolicyConcurrencyTests(ConcurrencyFactory factory) : IClassFixture<ConcurrencyFactory>
{
    [Fact]
    public async Task ParallelRecommendAndFeedbackLoseNoUpdate()
    {
        for (var u = 0; u < 16; u++)
        {
            factory.Segments.Keys[$"cu-{u}"] = $"seg-{u % 3}";
        }
        var applied = 0;
        var shown = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 240), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var client = factory.Storefront();
            var answer = await PolicyFactory.RecommendAsync(client, $"userId=cu-{i % 16}&count=3");
            shown.Add(answer.RecommendationId);
            // Every item gets a click, and a retry of it; every other first item a purchase too.
            var posts = answer.Items.Select(item => PolicyFactory.ClickAsync(client, answer.RecommendationId, item.ItemId))
                .Concat(answer.Items.Select(item => PolicyFactory.ClickAsync(client, answer.RecommendationId, item.ItemId)))
                .Append(PolicyFactory.PurchaseAsync(client, answer.RecommendationId, answer.Items[0].ItemId, 5))
                .ToList();
            foreach (var response in await Task.WhenAll(posts))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                if ((await response.Content.ReadFromJsonAsync<FeedbackResponse>(cancellationToken: ct))!.Applied)
                {
                    Interlocked.Increment(ref applied);
                }
            }
        });
        // A few more, never rewarded: the sweeper's default rewards count too.
        using (var client = factory.Storefront())
        {
            for (var i = 0; i < 5; i++)
            {
                await PolicyFactory.RecommendAsync(client, $"userId=cu-{i}&count=2");
            }
        }
        await factory.CloseWindowsAsync();
        var settled = await factory.SweepAsync();

        Assert.Equal(240 * 4, applied);
        Assert.Equal(245, settled);
        var table = factory.Table();
        // Every shown item settled once, with every applied reward: 3 clicks and a purchase per answer.
        Assert.Equal(240 * 3 + 5 * 2, TableAssert.Impressions(table));
        Assert.Equal(240 * 3 + 5 * 2, table.Sum(r => r.Cells.Values.Sum(c => c.Impressions)));
        Assert.Equal(240 * (3 * 1 + 5.0), table.Sum(r => r.Totals.Reward), 9);
        Assert.Equal(applied, await factory.ScalarAsync<long>("SELECT count(*) FROM feedback"));
        // Nothing is left pending once every window is settled.
        var rows = factory.Get<SegmentService.Api.Policy.QTable>();
        Assert.All(rows.Keys.SelectMany(k => rows.Row(k).Cells()), c => Assert.Equal((0.0, 0.0), (c.Cell.PendingImpressions, c.Cell.PendingReward)));
    }
}

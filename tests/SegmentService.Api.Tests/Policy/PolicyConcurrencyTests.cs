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
        factory.Time.Advance(TimeSpan.FromMinutes(11));
        var defaults = await factory.SweepAsync();

        Assert.Equal(240 * 4, applied);
        Assert.Equal(10, defaults);
        var visits = factory.Table().Sum(r => r.Entries.Values.Sum(e => e.Visits));
        Assert.Equal(applied + defaults, visits);
        Assert.Equal(visits, await factory.ScalarAsync<long>("SELECT count(*) FROM feedback"));
    }
}

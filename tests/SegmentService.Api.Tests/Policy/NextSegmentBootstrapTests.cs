using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

public sealed class DiscountFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings =>
        [new("Policy:Epsilon", "0"), new("Policy:Discount", "0.5"), new("Policy:LearningRate", "0.1"), new("Policy:BootstrapWindow", "00:30:00")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 6).Select(i => ($"nb-item-{i}", "shoes", true)));
    }

    public Task FlushBootstrapsAsync() => Get<NextSegmentBootstraps>().FlushAsync(CancellationToken.None);
}

public sealed class NextSegmentBootstrapTests(DiscountFactory factory) : IClassFixture<DiscountFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    private double Q(string segment, string item) => factory.Table().Single(r => r.Key == segment).Entries[item].Value;

    [Fact]
    public async Task BootstrapUsesTheSegmentOfTheNextRecommendation()
    {
        // Segment B gets a known max Q: a purchase (r = 5) by another user.
        factory.Segments.Keys["anchor"] = "nb-seg-b";
        var anchor = await PolicyFactory.RecommendAsync(_client, "userId=anchor&count=1");
        (await PolicyFactory.PurchaseAsync(_client, anchor.RecommendationId, anchor.Items[0].ItemId, 10)).EnsureSuccessStatusCode();

        // The mover, in A, clicks: only η (r − Q) is applied now.
        factory.Segments.Keys["mover"] = "nb-seg-a";
        var first = await PolicyFactory.RecommendAsync(_client, "userId=mover&count=1");
        var item = first.Items[0].ItemId;
        (await PolicyFactory.ClickAsync(_client, first.RecommendationId, item)).EnsureSuccessStatusCode();
        var afterReward = Q("nb-seg-a", item);
        Assert.Equal(first.Items[0].Score + 0.1 * (1 - first.Items[0].Score), afterReward, 12);
        await factory.FlushBootstrapsAsync();
        Assert.Equal(afterReward, Q("nb-seg-a", item));

        // Moved to B before the next request: s' = B, whose max is the anchor's purchase, not anything in A.
        factory.Segments.Keys["mover"] = "nb-seg-b";
        var maxB = factory.Table().Single(r => r.Key == "nb-seg-b").Entries.Values.Max(e => e.Value);
        Assert.NotEqual(afterReward, maxB);
        var second = await PolicyFactory.RecommendAsync(_client, "userId=mover&count=1");
        Assert.Equal("nb-seg-b", second.Segment.Key);
        await factory.FlushBootstrapsAsync();

        Assert.Equal(afterReward + 0.1 * (0.5 * maxB), Q("nb-seg-a", item));
        Assert.Equal(1, factory.Table().Single(r => r.Key == "nb-seg-a").Entries[item].Visits);
        Assert.Equal("nb-seg-b", await factory.ScalarAsync<string>(
            $"SELECT next_segment_key FROM feedback WHERE type = 4 AND recommendation_id = '{first.RecommendationId}'"));

        // Applied once: a further request finds nothing pending for that reward.
        await PolicyFactory.RecommendAsync(_client, "userId=mover&count=1");
        await factory.FlushBootstrapsAsync();
        Assert.Equal(1L, await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM feedback WHERE type = 4 AND user_id = 'mover'"));
        Assert.Equal(afterReward + 0.1 * (0.5 * maxB), Q("nb-seg-a", item));
    }

    [Fact]
    public async Task ClickAndPurchaseOfOneItemEachGetTheirBootstrap()
    {
        factory.Segments.Keys["both"] = "nb-seg-c";
        var first = await PolicyFactory.RecommendAsync(_client, "userId=both&count=1");
        var item = first.Items[0].ItemId;
        (await PolicyFactory.ClickAsync(_client, first.RecommendationId, item)).EnsureSuccessStatusCode();
        await PolicyFactory.RecommendAsync(_client, "userId=both&count=1");
        await factory.FlushBootstrapsAsync();
        (await PolicyFactory.PurchaseAsync(_client, first.RecommendationId, item, 5)).EnsureSuccessStatusCode();
        await PolicyFactory.RecommendAsync(_client, "userId=both&count=1");
        await factory.FlushBootstrapsAsync();

        Assert.Equal(2L, await factory.ScalarAsync<long>(
            $"SELECT count(DISTINCT bootstrap_of) FROM feedback WHERE type = 4 AND recommendation_id = '{first.RecommendationId}'"));
    }

    [Fact]
    public async Task PendingBootstrapIsDroppedAfterTheBootstrapWindow()
    {
        factory.Segments.Keys["gone"] = "nb-seg-d";
        var first = await PolicyFactory.RecommendAsync(_client, "userId=gone&count=1");
        (await PolicyFactory.ClickAsync(_client, first.RecommendationId, first.Items[0].ItemId)).EnsureSuccessStatusCode();
        var q = Q("nb-seg-d", first.Items[0].ItemId);

        factory.Time.Advance(TimeSpan.FromMinutes(31));
        await factory.SweepAsync();
        await PolicyFactory.RecommendAsync(_client, "userId=gone&count=1");
        await factory.FlushBootstrapsAsync();

        Assert.Equal(0L, await factory.ScalarAsync<long>($"SELECT count(*) FROM feedback WHERE type = 4 AND user_id = 'gone'"));
        Assert.Equal(q, Q("nb-seg-d", first.Items[0].ItemId));
    }
}

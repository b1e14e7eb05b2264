using System.Text.Json;
using SegmentService.Api.Policy;
using SegmentService.Api.Tests.Infrastructure;
using SegmentService.Api.Tests.Policy;

namespace SegmentService.Api.Tests.Dashboard;

public sealed class PolicyHistoryFactory : PolicyFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 8).Select(i => ($"h-item-{i}", "shoes", true)));
    }
}

public sealed class PolicyHistoryTests(PolicyHistoryFactory factory) : IClassFixture<PolicyHistoryFactory>
{
    private const string Window = "from=2026-11-27T09:00:00Z&to=2026-11-27T11:00:00Z";

    [Fact]
    public async Task HistoryGivesCtrAndMeanRewardPerSegmentFromTheImpressionAndFeedbackLogs()
    {
        factory.Segments.Keys["hist-a"] = "seg-hist-a";
        factory.Segments.Keys["hist-b"] = "seg-hist-b";
        var storefront = factory.Storefront();
        var a1 = await PolicyFactory.RecommendAsync(storefront, "userId=hist-a&count=4");
        var a2 = await PolicyFactory.RecommendAsync(storefront, "userId=hist-a&count=4");
        var b = await PolicyFactory.RecommendAsync(storefront, "userId=hist-b&count=2");
        (await PolicyFactory.ClickAsync(storefront, a1.RecommendationId, a1.Items[0].ItemId)).EnsureSuccessStatusCode();
        (await PolicyFactory.PurchaseAsync(storefront, a1.RecommendationId, a1.Items[0].ItemId, 10)).EnsureSuccessStatusCode();
        (await PolicyFactory.ClickAsync(storefront, a2.RecommendationId, a2.Items[1].ItemId)).EnsureSuccessStatusCode();
        await factory.Get<ImpressionLog>().FlushAsync(CancellationToken.None);

        var history = await (await factory.Admin().GetAsync($"/admin/policy/history?{Window}&bucket=3600")).ReadOkAsync<JsonElement>();

        Assert.Equal(3600, history.GetProperty("bucketSeconds").GetInt32());
        var points = history.GetProperty("points").EnumerateArray().ToDictionary(p => p.GetProperty("segmentKey").GetString()!);
        var segA = points["seg-hist-a"];
        Assert.Equal(2, segA.GetProperty("impressions").GetInt64());
        Assert.Equal(8, segA.GetProperty("slots").GetInt64());
        Assert.Equal(2, segA.GetProperty("clicked").GetInt64());
        Assert.Equal(2.0 / 8, segA.GetProperty("ctr").GetDouble(), 12);
        Assert.Equal((1 + 5 + 1) / 8.0, segA.GetProperty("meanReward").GetDouble(), 12);
        Assert.Equal(0, points["seg-hist-b"].GetProperty("ctr").GetDouble());
        Assert.Equal(2, points["seg-hist-b"].GetProperty("slots").GetInt64());
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero), segA.GetProperty("bucketStart").GetDateTimeOffset());
        Assert.Equal(a1.Items.Count + a2.Items.Count + b.Items.Count, points.Values.Sum(p => p.GetProperty("slots").GetInt64()));
    }

    [Theory]
    [InlineData("bucket=0", "bucket")]
    [InlineData("bucket=abc", "bucket")]
    [InlineData("bucket=86401", "bucket")]
    [InlineData("from=2026-11-27T09:00:00Z&to=2026-11-28T09:00:00Z&bucket=1", "bucket")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-11-27T10:00:00", "to")]
    [InlineData("from=2026-11-27T11:00:00Z&to=2026-11-27T10:00:00Z", "from")]
    public async Task BadHistoryQueryIsA400NamingTheField(string query, string field)
    {
        var response = await factory.Admin().GetAsync($"/admin/policy/history?{query}");
        await response.AssertFieldErrorAsync(field);
    }

    [Fact]
    public async Task HistoryNeedsTheAdminKey()
    {
        var response = await factory.Storefront().GetAsync($"/admin/policy/history?{Window}");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
    }
}

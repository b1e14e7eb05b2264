using System.Net;
using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

/// <summary>Production's window clock: the database's. This replica's clock is set to the real time (PostgreSQL's).</summary>
public sealed class DatabaseClockFactory : PolicyFactory
{
    internal static readonly KeyValuePair<string, string?>[] ClockSettings =
    [
        new("Policy:WindowClock", "Database"),
        new("Policy:RewardWindow", "00:00:02"),
        new("Policy:SettleDelay", "00:00:00.500"),
    ];

    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => ClockSettings;

    public override async Task InitializeAsync()
    {
        Time.SetUtcNow(DateTimeOffset.UtcNow);
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 6).Select(i => ($"c-item-{i}", "shoes", true)));
    }
}

/// <summary>
/// Answers come from an accurate replica; feedback goes to a replica whose clock is an hour off. The database's clock
/// decides the window in the write, and the sweepers settle by it, so both replicas end with the same table.
/// </summary>
public sealed class DatabaseClockTests(DatabaseClockFactory factory) : IClassFixture<DatabaseClockFactory>
{
    [Theory]
    [InlineData(-60)]
    [InlineData(60)]
    public async Task TheDatabaseClockDecidesTheRewardWindowWhateverTheReplicaClockSays(int skewMinutes)
    {
        // The fake clocks stand still: each is set to the real time (plus its skew) before each step.
        var skew = TimeSpan.FromMinutes(skewMinutes);
        await using var skewed = new ReplicaHost(factory.ConnectionString, DatabaseClockFactory.ClockSettings);
        skewed.Time.SetUtcNow(DateTimeOffset.UtcNow + skew);
        await skewed.InitializeAsync();
        await skewed.Get<PolicyReadiness>().WaitAsync(CancellationToken.None);
        using var accurate = factory.Storefront();
        using var skewedClient = skewed.Storefront();
        var user = $"clock{skewMinutes + 100}";
        factory.Segments.Keys[user] = skewed.Segments.Keys[user] = $"seg-{user}";

        factory.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var answer = await PolicyFactory.RecommendAsync(accurate, $"userId={user}&count=3");
        await factory.Get<ImpressionLog>().FlushAsync(CancellationToken.None);
        // In the window by the database's clock, whatever the replica's (an hour ahead, it would have said 410).
        skewed.Time.SetUtcNow(DateTimeOffset.UtcNow + skew);
        var applied = await (await PolicyFactory.ClickAsync(skewedClient, answer.RecommendationId, answer.Items[0].ItemId))
            .ReadOkAsync<FeedbackResponse>();
        Assert.True(applied.Applied);
        // Nor does a replica an hour ahead settle the impression while the database still takes its feedback.
        Assert.Equal(0, await skewed.SweepAsync());

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        // Late by the database's clock, whatever the replica's (an hour behind, it would have applied it).
        skewed.Time.SetUtcNow(DateTimeOffset.UtcNow + skew);
        var late = await (await PolicyFactory.ClickAsync(skewedClient, answer.RecommendationId, answer.Items[1].ItemId))
            .AssertProblemAsync(HttpStatusCode.Gone);
        Assert.Contains("not applied", late.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1L, await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM feedback WHERE recommendation_id = '{answer.RecommendationId}'"));

        await Task.Delay(TimeSpan.FromSeconds(0.6));
        factory.Time.SetUtcNow(DateTimeOffset.UtcNow);
        skewed.Time.SetUtcNow(DateTimeOffset.UtcNow + skew);
        await factory.SweepAsync();
        await skewed.SweepAsync();
        var key = $"seg-{user}";
        Assert.Equal(1.0, factory.Table().Single(r => r.Key == key).Totals.Reward, 12);
        TableAssert.Equal(
            factory.Table().Where(r => r.Key == key).ToList(), skewed.Table().Where(r => r.Key == key).ToList(), 1e-12);
    }
}

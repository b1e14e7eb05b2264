using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;

namespace SegmentService.Api.Tests.Policy;

public sealed class PersistenceFactory : PolicyFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 12).Select(i => ($"p-item-{i:00}", "shoes", true)));
    }
}

/// <summary>γ > 0: bootstrap rows from the users' next recommendations are in the log too.</summary>
public sealed class DiscountedPersistenceFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:Discount", "0.6")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 12).Select(i => ($"p-item-{i:00}", "shoes", true)));
    }
}

public sealed class DiscountedPolicyPersistenceTests(DiscountedPersistenceFactory factory) : IClassFixture<DiscountedPersistenceFactory>
{
    [Fact]
    public async Task RestartReplaysRewardAndBootstrapRowsToTheSameTable()
    {
        await PolicyPersistenceTests.RestartReproducesTheTableAsync(factory, moveUsers: true);
        Assert.True(await factory.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE type = 4 AND next_segment_key <> segment_key") > 0);
    }
}

public sealed class PolicyPersistenceTests(PersistenceFactory factory) : IClassFixture<PersistenceFactory>
{
    [Fact]
    public Task RestartLoadsTheSnapshotAndReplaysLaterFeedbackToTheSameTable() =>
        RestartReproducesTheTableAsync(factory, moveUsers: false);

    internal static async Task RestartReproducesTheTableAsync(PolicyFactory factory, bool moveUsers)
    {
        var client = factory.Storefront();
        var random = new Random(3);
        async Task FeedbackRoundAsync(int rounds)
        {
            for (var i = 0; i < rounds; i++)
            {
                var user = $"user-{random.Next(6)}";
                factory.Segments.Keys[user] = moveUsers ? $"seg-{random.Next(3)}" : $"seg-{user[^1] - '0' & 1}";
                var answer = await PolicyFactory.RecommendAsync(client, $"userId={user}&count=4");
                foreach (var item in answer.Items.Where(_ => random.NextDouble() < 0.5))
                {
                    var response = random.NextDouble() < 0.3
                        ? await PolicyFactory.PurchaseAsync(client, answer.RecommendationId, item.ItemId, 10)
                        : await PolicyFactory.ClickAsync(client, answer.RecommendationId, item.ItemId);
                    response.EnsureSuccessStatusCode();
                }
            }
        }

        await FeedbackRoundAsync(40);
        await factory.Get<NextSegmentBootstraps>().FlushAsync(CancellationToken.None);
        var snapshotVersion = await factory.Get<PolicySnapshotStore>().SaveAsync(force: false, CancellationToken.None);
        Assert.NotNull(snapshotVersion);
        await FeedbackRoundAsync(40);
        factory.Time.Advance(TimeSpan.FromMinutes(11));
        Assert.True(await factory.SweepAsync() > 0);
        await FeedbackRoundAsync(10);
        // Bootstraps queued by the last requests are logged off the request path: let them land first.
        await factory.Get<NextSegmentBootstraps>().FlushAsync(CancellationToken.None);

        var before = factory.Table();
        var versionBefore = factory.Get<QTable>().Version;
        Assert.Equal(snapshotVersion, versionBefore);
        Assert.True(await factory.ScalarAsync<long>($"SELECT count(*) FROM feedback") > 40);

        var restarted = new RestartedFactory(factory.ConnectionString);
        await restarted.InitializeAsync();
        await restarted.Get<PolicyReadiness>().WaitAsync(CancellationToken.None);
        var after = restarted.Table();
        var versionAfter = restarted.Get<QTable>().Version;
        await restarted.DisposeAsync();

        Assert.Equal(before.Select(r => r.Key), after.Select(r => r.Key));
        foreach (var (b, a) in before.Zip(after))
        {
            Assert.Equal(b.Entries.OrderBy(e => e.Key, StringComparer.Ordinal), a.Entries.OrderBy(e => e.Key, StringComparer.Ordinal));
        }
        Assert.True(versionAfter >= versionBefore);
    }

    [Fact]
    public async Task CleanShutdownWritesEveryAcknowledgedImpression()
    {
        var replica = new RestartedFactory(factory.ConnectionString);
        await replica.InitializeAsync();
        var ids = new List<string>();
        using (var client = replica.Storefront())
        {
            for (var i = 0; i < 50; i++)
            {
                ids.Add((await PolicyFactory.RecommendAsync(client, $"userId=bye-{i}&count=2")).RecommendationId);
            }
        }
        await replica.DisposeAsync();

        var list = string.Join(",", ids.Select(id => $"'{id}'"));
        Assert.Equal(50L, await factory.ScalarAsync<long>($"SELECT count(*) FROM impressions WHERE recommendation_id IN ({list})"));
    }
}

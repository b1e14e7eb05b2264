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

/// <summary>γ > 0: each settled reward bootstraps from the segment of the user's next impression.</summary>
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
    public Task RestartWithDiscountReplaysTheLogToTheLiveTable() =>
        PolicyPersistenceTests.RestartReproducesTheTableAsync(factory, moveUsers: true, [new("Policy:Discount", "0.6")]);
}

public sealed class PolicyPersistenceTests(PersistenceFactory factory) : IClassFixture<PersistenceFactory>
{
    [Fact]
    public Task RestartLoadsTheSnapshotAndSettlesTheLaterLogToTheLiveTable() =>
        RestartReproducesTheTableAsync(factory, moveUsers: false, []);

    /// <summary>
    /// Serves and takes feedback (settling some windows, snapshotting midway, leaving the last ones open), then starts a
    /// second host on the same database at the same time: after settling, both hold the same table.
    /// </summary>
    internal static async Task RestartReproducesTheTableAsync(
        PolicyFactory factory, bool moveUsers, IEnumerable<KeyValuePair<string, string?>> settings)
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
                factory.Time.Advance(TimeSpan.FromSeconds(random.Next(1, 20)));
            }
        }

        await FeedbackRoundAsync(40);
        await factory.CloseWindowsAsync();
        Assert.True(await factory.SweepAsync() > 0);
        var snapshotVersion = await factory.Get<PolicySnapshotStore>().SaveAsync(force: false, CancellationToken.None);
        Assert.NotNull(snapshotVersion);
        await FeedbackRoundAsync(40);
        await factory.CloseWindowsAsync();
        Assert.True(await factory.SweepAsync() > 0);
        // The last answers and their rewards stay open: the restarted host settles them later, like the live one.
        await FeedbackRoundAsync(10);
        await factory.Get<ImpressionLog>().FlushAsync(CancellationToken.None);
        var live = factory.Table();
        Assert.Equal(snapshotVersion, factory.Get<QTable>().Version);
        Assert.True(TableAssert.Impressions(live) >= 80 * 2);

        var restarted = ReplicaHost.Of(factory, settings);
        await restarted.InitializeAsync();
        try
        {
            await restarted.Get<PolicyReadiness>().WaitAsync(CancellationToken.None);
            // Loaded the snapshot and settled the 40 answers after it: the live table, open windows left open.
            TableAssert.Equal(live, restarted.Table(), 1e-12);
            TableAssert.EqualBlend(factory.Blend(), restarted.Blend(), 1e-12);
            Assert.True(restarted.Get<QTable>().Version >= snapshotVersion);

            await factory.CloseWindowsAsync();
            await restarted.CloseWindowsAsync();
            await factory.SweepAsync();
            await restarted.SweepAsync();
            TableAssert.Equal(factory.Table(), restarted.Table(), 1e-12);
            TableAssert.EqualBlend(factory.Blend(), restarted.Blend(), 1e-12);
            // The shop's totals (the level every prior and the exploration bonus start from) agree too.
            var (liveShop, restartedShop) = (Shop(factory), Shop(restarted));
            Assert.Equal(liveShop.Impressions, restartedShop.Impressions);
            Assert.Equal(liveShop.Reward, restartedShop.Reward, 9);
            Assert.Equal(liveShop.SquaredReward, restartedShop.SquaredReward, 9);
            Assert.Equal(await factory.ScalarAsync<long>("SELECT sum(array_length(item_ids, 1)) FROM impressions"), TableAssert.Impressions(restarted.Table()));
        }
        finally
        {
            await restarted.DisposeAsync();
        }
    }

    private static QRow.RowTotals Shop(PolicyFactory host) => host.Get<QTable>().Row(QTable.GlobalKey).Totals;

    [Fact]
    public async Task CleanShutdownWritesEveryAcknowledgedImpression()
    {
        var replica = ReplicaHost.Of(factory, []);
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

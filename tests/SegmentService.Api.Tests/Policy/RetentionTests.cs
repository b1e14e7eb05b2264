using SegmentService.Api.Policy;

namespace SegmentService.Api.Tests.Policy;

public sealed class RetentionFactory : PolicyFactory
{
    internal static readonly KeyValuePair<string, string?>[] RetentionSettings =
    [
        // The tests prune by hand; the background pass would race them.
        new("Retention:Enabled", "false"),
        new("Retention:OutcomeAge", "01:00:00"),
        new("Retention:SnapshotAge", "01:00:00"),
        new("Retention:KeepSnapshots", "1"),
        new("Retention:BatchSize", "7"),
    ];

    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => RetentionSettings;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 12).Select(i => ($"r-item-{i:00}", "shoes", true)));
    }
}

/// <summary>One test per class: it moves the shared clock by hours.</summary>
public sealed class RetentionTests(RetentionFactory factory) : IClassFixture<RetentionFactory>
{
    /// <summary>
    /// Three generations of answers with feedback: A (settled, covered by a snapshot, old), B (settled after the
    /// snapshot, old) and C (open). Pruning deletes A and its feedback only; a restart then loads the snapshot, replays
    /// B and holds C open, exactly like the live table.
    /// </summary>
    [Fact]
    public async Task PruningDeletesOnlyOldRowsASnapshotCoversAndARestartStillEqualsLive()
    {
        var client = factory.Storefront();
        var random = new Random(11);
        async Task<List<string>> RoundAsync(int rounds)
        {
            var ids = new List<string>();
            for (var i = 0; i < rounds; i++)
            {
                var user = $"user-{random.Next(6)}";
                factory.Segments.Keys[user] = $"seg-{random.Next(3)}";
                var answer = await PolicyFactory.RecommendAsync(client, $"userId={user}&count=4");
                ids.Add(answer.RecommendationId);
                foreach (var item in answer.Items.Where(_ => random.NextDouble() < 0.5))
                {
                    (await PolicyFactory.ClickAsync(client, answer.RecommendationId, item.ItemId)).EnsureSuccessStatusCode();
                }
                factory.Time.Advance(TimeSpan.FromSeconds(random.Next(1, 20)));
            }
            await factory.Get<ImpressionLog>().FlushAsync(CancellationToken.None);
            return ids;
        }
        var pruner = factory.Get<RetentionPruner>();

        var a = await RoundAsync(30);
        await factory.CloseWindowsAsync();
        Assert.Equal(30, await factory.SweepAsync());
        factory.Time.Advance(TimeSpan.FromHours(2));
        // No snapshot yet: a restart would replay the whole log, so nothing may go however old.
        Assert.Equal(default, await pruner.PruneAsync(CancellationToken.None));
        Assert.NotNull(await factory.Get<PolicySnapshotStore>().SaveAsync(force: false, CancellationToken.None));

        var b = await RoundAsync(30);
        await factory.CloseWindowsAsync();
        Assert.Equal(30, await factory.SweepAsync());
        factory.Time.Advance(TimeSpan.FromHours(2));
        var c = await RoundAsync(10);

        var feedbackOfA = await CountAsync("feedback", a);
        var feedbackOfB = await CountAsync("feedback", b);
        Assert.True(feedbackOfA > 0 && feedbackOfB > 0);
        var live = factory.Table();

        var pruned = await pruner.PruneAsync(CancellationToken.None);

        Assert.Equal(new PruneResult(0, 30, feedbackOfA), pruned);
        Assert.Equal(0, await CountAsync("impressions", a));
        Assert.Equal(0, await CountAsync("feedback", a));
        Assert.Equal(30, await CountAsync("impressions", b));
        Assert.Equal(feedbackOfB, await CountAsync("feedback", b));
        Assert.Equal(10, await CountAsync("impressions", c));
        Assert.Equal(default, await pruner.PruneAsync(CancellationToken.None));

        var restarted = ReplicaHost.Of(factory, RetentionFactory.RetentionSettings);
        await restarted.InitializeAsync();
        try
        {
            await restarted.Get<PolicyReadiness>().WaitAsync(CancellationToken.None);
            TableAssert.Equal(live, restarted.Table(), 1e-12);
            await factory.CloseWindowsAsync();
            await restarted.CloseWindowsAsync();
            Assert.Equal(10, await factory.SweepAsync());
            Assert.Equal(10, await restarted.SweepAsync());
            TableAssert.Equal(factory.Table(), restarted.Table(), 1e-12);
        }
        finally
        {
            await restarted.DisposeAsync();
        }
    }

    private async Task<long> CountAsync(string table, List<string> ids) =>
        await factory.ScalarAsync<long>(
            $"SELECT count(*) FROM {table} WHERE recommendation_id IN ({string.Join(",", ids.Select(id => $"'{id}'"))})");
}

public sealed class SnapshotRetentionFactory : PolicyFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings =>
    [
        new("Retention:Enabled", "false"),
        new("Retention:OutcomeAge", "7.00:00:00"),
        new("Retention:SnapshotAge", "2.00:00:00"),
        new("Retention:KeepSnapshots", "1"),
        new("Retention:BatchSize", "1"),
    ];
}

public sealed class SnapshotRetentionTests(SnapshotRetentionFactory factory) : IClassFixture<SnapshotRetentionFactory>
{
    [Fact]
    public async Task OldSnapshotsAreThinnedToOneADayAndTheOneEvaluationStartsFromAtTheHorizonIsKept()
    {
        var store = factory.Get<PolicySnapshotStore>();
        var versions = new Dictionary<string, long>();
        async Task SaveAtAsync(string name, DateTimeOffset at)
        {
            factory.Time.SetUtcNow(at);
            versions[name] = (await store.SaveAsync(force: true, CancellationToken.None))!.Value;
        }
        var day = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        await SaveAtAsync("s1", day.AddHours(10));
        await SaveAtAsync("s2", day.AddHours(11));
        await SaveAtAsync("s3", day.AddDays(3).AddHours(8));
        await SaveAtAsync("s4", day.AddDays(3).AddHours(20));
        await SaveAtAsync("s5", day.AddDays(6).AddHours(9));
        await SaveAtAsync("s6", day.AddDays(6).AddHours(10));
        await SaveAtAsync("s7", day.AddDays(9).AddHours(21));
        await SaveAtAsync("s8", day.AddDays(9).AddHours(22));
        // Now: the outcome horizon (7 days) is day 3 10:00, the thinning horizon (2 days) day 8 10:00.
        factory.Time.SetUtcNow(day.AddDays(10).AddHours(10));
        var horizon = factory.Time.GetUtcNow() - TimeSpan.FromDays(7);
        var atHorizon = (await store.FindAsync(horizon, CancellationToken.None))!.Version;

        var pruned = await factory.Get<RetentionPruner>().PruneAsync(CancellationToken.None);

        Assert.Equal(3, pruned.Snapshots);
        var kept = new List<long>();
        for (var i = 1; i <= 8; i++)
        {
            if (await factory.ScalarAsync<long>($"SELECT count(*) FROM policy_snapshots WHERE version = {versions[$"s{i}"]}") == 1)
            {
                kept.Add(i);
            }
        }
        // s1, s2: before the one at the horizon (s3); s5: an earlier one of s6's day.
        Assert.Equal([3L, 4, 6, 7, 8], kept);
        Assert.Equal(atHorizon, (await store.FindAsync(horizon, CancellationToken.None))!.Version);
        Assert.Equal(versions["s8"], (await store.FindAsync(null, CancellationToken.None))!.Version);
    }
}

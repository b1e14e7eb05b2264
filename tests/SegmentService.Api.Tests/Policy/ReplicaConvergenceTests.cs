using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

public class ReplicaFactory : PolicyFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 8).Select(i => ($"r-item-{i}", "shoes", true)));
    }
}

/// <summary>With γ > 0 every settled reward also bootstraps from the user's next impression's segment.</summary>
public sealed class DiscountedReplicaFactory : ReplicaFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:Discount", "0.5")];
}

public sealed class DiscountedReplicaConvergenceTests(DiscountedReplicaFactory factory) : IClassFixture<DiscountedReplicaFactory>
{
    [Fact]
    public Task TwoReplicasWithDiscountConvergeToTheReplayedTableWithoutALock() =>
        ReplicaConvergenceTests.ConvergeAsync(factory, [new("Policy:Discount", "0.5")]);
}

/// <summary>Two replicas behind one load balancer: each settles the same log in the same order and reaches the same table.</summary>
public sealed class ReplicaConvergenceTests(ReplicaFactory factory) : IClassFixture<ReplicaFactory>
{
    [Fact]
    public Task TwoReplicasTakingFeedbackForTheSameSegmentsConvergeToTheReplayedTableWithoutALock() => ConvergeAsync(factory, []);

    internal static async Task ConvergeAsync(PolicyFactory factory, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        for (var u = 0; u < 6; u++)
        {
            factory.Segments.Keys[$"rep-{u}"] = u % 3 == 0 ? "seg-only-a" : "seg-shared";
        }
        var other = ReplicaHost.Of(factory, settings);
        await other.InitializeAsync();
        try
        {
            await other.Get<PolicyReadiness>().WaitAsync(CancellationToken.None);
            using var clientA = factory.Storefront();
            using var clientB = other.Storefront();
            var random = new Random(11);
            var applied = 0;
            for (var i = 0; i < 60; i++)
            {
                // Alternate replicas; users 0 and 3 (seg-only-a) only ever reach replica A. Every third feedback goes to
                // the other replica, which finds the impression in the database.
                var user = i % 6;
                var onA = user % 3 == 0 || i % 2 == 0;
                var (serving, servingClient) = onA ? (factory, clientA) : (other, clientB);
                var answer = await PolicyFactory.RecommendAsync(servingClient, $"userId=rep-{user}&count=2");
                var feedbackClient = servingClient;
                if (i % 3 == 2)
                {
                    await serving.Get<ImpressionLog>().FlushAsync(CancellationToken.None);
                    feedbackClient = onA ? clientB : clientA;
                }
                var item = answer.Items[i % answer.Items.Count].ItemId;
                var response = i % 5 == 1
                    ? await PolicyFactory.PurchaseAsync(feedbackClient, answer.RecommendationId, item, 5)
                    : await PolicyFactory.ClickAsync(feedbackClient, answer.RecommendationId, item);
                if ((await response.ReadOkAsync<FeedbackResponse>()).Applied)
                {
                    applied++;
                }
                // Both clocks move together; answers in the same second are ordered by recommendation id.
                var step = TimeSpan.FromSeconds(random.Next(0, 3));
                factory.Time.Advance(step);
                other.Time.Advance(step);
            }
            Assert.Equal(60, applied);

            await factory.CloseWindowsAsync();
            await other.CloseWindowsAsync();
            await factory.SweepAsync();
            await other.SweepAsync();
            var (a, b) = (factory.Table(), other.Table());

            Assert.Contains(a, r => r.Key == "seg-shared");
            Assert.Contains(b, r => r.Key == "seg-only-a"); // learnt on A only, settled by B from the log
            TableAssert.Equal(a, b);
            TableAssert.EqualBlend(factory.Blend(), other.Blend());
            Assert.Equal(120, TableAssert.Impressions(a));
            Assert.Equal(await AdminLinesAsync(factory), await AdminLinesAsync(other));
            Assert.Equal(0L, await factory.ScalarAsync<long>(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));

            // A third host replays the whole log (no snapshot was taken) to the same table, bit for bit.
            Assert.Equal(0L, await factory.ScalarAsync<long>("SELECT count(*) FROM policy_snapshots"));
            var replay = ReplicaHost.Of(factory, settings);
            await replay.InitializeAsync();
            try
            {
                await replay.Get<PolicyReadiness>().WaitAsync(CancellationToken.None);
                TableAssert.Equal(a, replay.Table());
                TableAssert.EqualBlend(factory.Blend(), replay.Blend());
            }
            finally
            {
                await replay.DisposeAsync();
            }
        }
        finally
        {
            await other.DisposeAsync();
        }
    }

    /// <summary>The seg-* rows of /admin/policy, one line per item: key, item, Q (round-trip format) and visits.</summary>
    private static async Task<IReadOnlyList<string>> AdminLinesAsync(PolicyFactory host)
    {
        using var admin = host.Admin();
        var summary = await (await admin.GetAsync("/admin/policy?top=100")).ReadOkAsync<PolicySummary>();
        return
        [
            .. summary.Segments.Where(s => s.Key.StartsWith("seg-", StringComparison.Ordinal))
                .SelectMany(s => s.TopItems.Select(i => $"{s.Key} {s.Visits} {i.ItemId} {i.Q:R} {i.Visits} {i.Pending}"))
                .Order(StringComparer.Ordinal),
        ];
    }
}

using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

public class ReplicaFactory : PolicyFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 5).Select(i => ($"r-item-{i}", "shoes", true)));
    }
}

/// <summary>With γ > 0: bootstrap rows (type 4) are logged under the same lock and followed the same way.</summary>
public sealed class DiscountedReplicaFactory : ReplicaFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:Discount", "0.5")];
}

/// <summary>A second host over <paramref name="connectionString"/>, with the same policy settings as the first.</summary>
public sealed class ReplicaHost : PolicyFactory
{
    private readonly IEnumerable<KeyValuePair<string, string?>> _settings;

    public ReplicaHost(string connectionString, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        _settings = settings;
        JoinDatabase(connectionString);
    }

    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => _settings;

}

public sealed class DiscountedReplicaConvergenceTests(DiscountedReplicaFactory factory) : IClassFixture<DiscountedReplicaFactory>
{
    [Fact]
    public Task TwoReplicasWithBootstrapRowsConvergeToTheReplayedTable() =>
        ReplicaConvergenceTests.ConvergeAsync(factory, [new("Policy:Discount", "0.5")]);
}

/// <summary>Two replicas behind one load balancer: both follow the same feedback log and reach the same table.</summary>
public sealed class ReplicaConvergenceTests(ReplicaFactory factory) : IClassFixture<ReplicaFactory>
{
    [Fact]
    public Task TwoReplicasTakingFeedbackForTheSameSegmentsConvergeToTheReplayedTable() => ConvergeAsync(factory, []);

    internal static async Task ConvergeAsync(PolicyFactory factory, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var other = new ReplicaHost(factory.ConnectionString, settings);
        await other.InitializeAsync();
        try
        {
            await other.Get<PolicyReadiness>().WaitAsync(CancellationToken.None);
            foreach (var f in new PolicyFactory[] { factory, other })
            {
                for (var u = 0; u < 6; u++)
                {
                    f.Segments.Keys[$"rep-{u}"] = u % 3 == 0 ? "seg-only-a" : "seg-shared";
                }
            }
            using var clientA = factory.Storefront();
            using var clientB = other.Storefront();
            for (var i = 0; i < 40; i++)
            {
                // Alternate replicas; each answers feedback for its own recommendations, as a sticky balancer would not guarantee
                // for the next request. Users 0 and 3 (seg-only-a) only ever reach replica A.
                var user = i % 6;
                var client = user % 3 == 0 || i % 2 == 0 ? clientA : clientB;
                var answer = await PolicyFactory.RecommendAsync(client, $"userId=rep-{user}&count=2");
                var item = answer.Items[i % answer.Items.Count].ItemId;
                var response = i % 4 == 1
                    ? await PolicyFactory.PurchaseAsync(client, answer.RecommendationId, item, 5)
                    : await PolicyFactory.ClickAsync(client, answer.RecommendationId, item);
                Assert.True((await response.ReadOkAsync<FeedbackResponse>()).Applied);
            }

            // Drive the followers (Policy:FollowInterval, 1 s on the test clock) until both tables agree, bounded.
            if (factory.Get<NextSegmentBootstraps>().Enabled)
            {
                await factory.Get<NextSegmentBootstraps>().FlushAsync(CancellationToken.None);
                await other.Get<NextSegmentBootstraps>().FlushAsync(CancellationToken.None);
                Assert.True(await factory.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE type = 4") > 0);
            }
            var deadline = DateTime.UtcNow.AddSeconds(15);
            IReadOnlyList<string> a = [], b = [];
            while (DateTime.UtcNow < deadline)
            {
                factory.Time.Advance(TimeSpan.FromSeconds(1));
                other.Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(50);
                (a, b) = (await TableAsync(factory), await TableAsync(other));
                if (a.SequenceEqual(b) && a.Any(l => l.StartsWith("seg-only-a ", StringComparison.Ordinal)))
                {
                    break;
                }
            }
            Assert.Contains(a, l => l.StartsWith("seg-shared ", StringComparison.Ordinal));
            Assert.Contains(b, l => l.StartsWith("seg-only-a ", StringComparison.Ordinal)); // learnt on A only, followed by B
            Assert.Equal(a, b);
            Assert.Equal(40L, await factory.ScalarAsync<long>("SELECT count(*) FROM feedback WHERE segment_key LIKE 'seg-%' AND type <> 4"));

            var restarted = new ReplicaHost(factory.ConnectionString, settings);
            await restarted.InitializeAsync();
            try
            {
                await restarted.Get<PolicyReadiness>().WaitAsync(CancellationToken.None);
                Assert.Equal(a, await TableAsync(restarted));
            }
            finally
            {
                await restarted.DisposeAsync();
            }
        }
        finally
        {
            await other.DisposeAsync();
        }
    }

    /// <summary>The seg-* rows of /admin/policy, one line per item: key, item, Q (round-trip format) and visits.</summary>
    private static async Task<IReadOnlyList<string>> TableAsync(PolicyFactory host)
    {
        using var admin = host.Admin();
        var summary = await (await admin.GetAsync("/admin/policy?top=100")).ReadOkAsync<PolicySummary>();
        return
        [
            .. summary.Segments.Where(s => s.Key.StartsWith("seg-", StringComparison.Ordinal))
                .SelectMany(s => s.TopItems.Select(i => $"{s.Key} {s.Visits} {i.ItemId} {i.Q:R} {i.Visits}"))
                .Order(StringComparer.Ordinal),
        ];
    }
}

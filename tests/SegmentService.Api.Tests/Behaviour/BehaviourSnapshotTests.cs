using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Behaviour;

public sealed class BehaviourSnapshotTests
{
    private static readonly string[] Types = ["view", "click", "add_to_cart", "purchase"];

    [Fact]
    public async Task RestartLoadsTheSnapshotPlusEventsSinceAndServesTheSameNeighboursAndTrailsAsTheLiveModel()
    {
        var live = new ShopFactory();
        await live.InitializeAsync();
        try
        {
            var shop = new BehaviourShop(live);
            await shop.ItemsAsync([.. Enumerable.Range(0, 30).Select(i => ($"item-{i}", $"cat-{i % 4}", 10m + i, (string?)$"Thing {i}"))]);
            var random = new Random(17);
            var day = ApiFactory.Start.AddDays(-30);
            var before = 0;
            for (var batch = 0; batch < 8; batch++)
            {
                before += await PostRandomAsync(shop, random, day.AddDays(batch), 60);
            }
            live.Time.Advance(TimeSpan.FromMinutes(10));
            var taken = await live.Services.GetRequiredService<BehaviourSnapshots>().WriteAsync(CancellationToken.None);
            live.Time.Advance(TimeSpan.FromMinutes(3));
            var since = 0;
            for (var batch = 0; batch < 4; batch++)
            {
                // Requests are received at distinct moments (a frozen clock would leave their order to storage).
                live.Time.Advance(TimeSpan.FromSeconds(1));
                since += await PostRandomAsync(shop, random, day.AddDays(10 + batch), 40);
            }

            var restarted = new ShopFactory(live.ConnectionString);
            await restarted.InitializeAsync();
            try
            {
                var readiness = restarted.Services.GetRequiredService<BehaviourReadiness>();
                await readiness.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

                Assert.Equal(taken.Watermark, readiness.Result!.Value.Snapshot!.Value.Watermark);
                Assert.Equal(since, readiness.Result.Value.Events);
                var after = new BehaviourShop(restarted);
                var items = Enumerable.Range(0, 30).Select(i => $"item-{i}").ToList();
                Assert.Contains(items, item => Neighbours(shop, item).Count == 3);
                foreach (var item in items)
                {
                    Assert.Equal(Neighbours(shop, item), Neighbours(after, item));
                    Assert.Equal(Engagement(shop, item), Engagement(after, item));
                }
                for (var u = 0; u < 50; u++)
                {
                    Assert.Equal(Candidates(shop, $"user-{u}"), Candidates(after, $"user-{u}"));
                }
            }
            finally
            {
                await restarted.DisposeAsync();
            }

            var otherSettings = new ShopFactory(live.ConnectionString, maxPairs: 50);
            await otherSettings.InitializeAsync();
            try
            {
                var readiness = otherSettings.Services.GetRequiredService<BehaviourReadiness>();
                await readiness.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Null(readiness.Result!.Value.Snapshot);
                Assert.Equal(before + since, readiness.Result.Value.Events);
            }
            finally
            {
                await otherSettings.DisposeAsync();
            }
        }
        finally
        {
            await live.DisposeAsync();
        }
    }

    /// <summary>Posts up to <paramref name="count"/> random events (distinct user and item per batch) and returns how many.</summary>
    private static async Task<int> PostRandomAsync(BehaviourShop shop, Random random, DateTimeOffset at, int count)
    {
        var events = Enumerable.Range(0, count)
            .Select(_ => ($"user-{random.Next(50)}", $"item-{(int)(30 * Math.Pow(random.NextDouble(), 2))}"))
            .Distinct()
            .ToArray();
        var type = Types[random.Next(Types.Length)];
        await shop.EventsAsync(type, at, events);
        return events.Length;
    }

    private static List<(string, float)> Neighbours(BehaviourShop shop, string item) =>
        shop.Model.Items.TryGet(item, out var id)
            ? [.. shop.Model.Graph.NeighboursOf(id).Select(n => (shop.Model.Items.Name(n.Item), n.Score))]
            : [];

    private static double Engagement(BehaviourShop shop, string item) =>
        shop.Model.Items.TryGet(item, out var id) ? shop.Model.Graph.Engagement(id) : -1;

    private static List<Candidate> Candidates(BehaviourShop shop, string user) =>
        [.. shop.Sources.ForUser(user, 10).OrderBy(c => c.Source).ThenByDescending(c => c.Affinity).ThenBy(c => c.ItemId, StringComparer.Ordinal)];

    /// <summary>Short trails (4 items) so eviction happens on both sides of the snapshot; no timer-driven snapshots.</summary>
    private sealed class ShopFactory : ApiFactory
    {
        private readonly int _maxPairs;

        public ShopFactory(string? connectionString = null, int maxPairs = 300)
        {
            _maxPairs = maxPairs;
            if (connectionString is not null)
            {
                JoinDatabase(connectionString);
            }
        }

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Behaviour:RecentItemsPerUser", "4"),
            new("Behaviour:SeedItems", "4"),
            new("Behaviour:Neighbours", "3"),
            new("Behaviour:MaxPairsPerItem", _maxPairs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Behaviour:SnapshotInterval", "1.00:00:00"),
        ];
    }
}

using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Behaviour;

public sealed class BehaviourStartupTests
{
    private static readonly string[] ForgedPair = ["mug", "kettle"];

    [Fact]
    public async Task RestartRebuildsNeighboursAndTrailsFromStoredEvents()
    {
        var first = new ApiFactory();
        await first.InitializeAsync();
        try
        {
            var shop = new BehaviourShop(first);
            await shop.ItemsAsync(("tent", "camping", 200, "Dome tent"), ("pegs", "camping", 5, "Tent pegs"), ("mug", "kitchen", 8, "Mug"));
            var day = ApiFactory.Start.AddDays(-10);
            await shop.BasketsAsync("campers", 6, day, "tent", "pegs");
            await shop.EventsAsync("view", day.AddDays(1), ("browser", "tent"));
            Assert.Equal(["pegs"], shop.NeighboursOf("tent"));

            var restarted = new RestartedFactory(first.ConnectionString);
            await restarted.InitializeAsync();
            try
            {
                await restarted.Services.GetRequiredService<BehaviourReadiness>().WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
                var after = new BehaviourShop(restarted);

                Assert.Equal(["pegs"], after.NeighboursOf("tent"));
                var candidates = after.Sources.ForUser("browser", 5);
                Assert.Equal(new Candidate("pegs", CandidateSource.Similar, 1.0), candidates[0]);
                Assert.Contains(candidates, c => c is { ItemId: "tent", Source: CandidateSource.Content });
            }
            finally
            {
                await restarted.DisposeAsync();
            }
        }
        finally
        {
            await first.DisposeAsync();
        }
    }

    [Fact]
    public async Task EventsSentWithTheFrontendKeyTrainNeitherTheLiveModelNorARestartedOne()
    {
        var first = new ApiFactory();
        await first.InitializeAsync();
        try
        {
            var shop = new BehaviourShop(first);
            await shop.ItemsAsync(("mug", "kitchen", 8, "Mug"), ("kettle", "kitchen", 30, "Kettle"), ("tent", "camping", 200, "Tent"));
            var day = ApiFactory.Start.AddDays(-10);
            await shop.BasketsAsync("campers", 3, day, "tent", "mug");
            using var frontend = first.ClientWithKey(TestKeys.Frontend);
            var forged = string.Join(",", Enumerable.Range(0, 40).SelectMany(u => ForgedPair.Select((item, k) =>
                $$"""{"eventId":"fk-{{u}}-{{k}}","userId":"fake-{{u}}","type":"add_to_cart","itemId":"{{item}}","occurredAt":"{{day.AddDays(1):O}}"}""")));
            (await frontend.PostAsync("/events", HttpAssertions.Json($$"""{"events":[{{forged}}]}"""))).EnsureSuccessStatusCode();
            Assert.Equal(["tent"], shop.NeighboursOf("mug"));

            var restarted = new RestartedFactory(first.ConnectionString);
            await restarted.InitializeAsync();
            try
            {
                await restarted.Services.GetRequiredService<BehaviourReadiness>().WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(["tent"], new BehaviourShop(restarted).NeighboursOf("mug"));
            }
            finally
            {
                await restarted.DisposeAsync();
            }
        }
        finally
        {
            await first.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("Behaviour:Neighbours", "600", "Behaviour:Neighbours")]
    [InlineData("Behaviour:MaxUsers", "0", "Behaviour:MaxUsers")]
    [InlineData("Behaviour:MaxPairsPerItem", "20", "Behaviour:Neighbours must not exceed Behaviour:MaxPairsPerItem")]
    [InlineData("Behaviour:RecentItemsPerUser", "10", "Behaviour:SeedItems must not exceed")]
    [InlineData("Behaviour:HalfLife", "00:00:10", "Behaviour:HalfLife")]
    [InlineData("Behaviour:Weights:View", "0", "Behaviour:Weights:View")]
    public void BadMemoryBoundOrWeightStopsStartupNamingTheSetting(string key, string value, string expected)
    {
        var message = StartupProbe.Failure("Development", (key, value));
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    private sealed class RestartedFactory : ApiFactory
    {
        public RestartedFactory(string connectionString) => JoinDatabase(connectionString);
    }
}

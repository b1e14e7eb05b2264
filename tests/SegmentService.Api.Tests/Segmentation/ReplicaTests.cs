using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Segmentation;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Segmentation;

public sealed class RecordingListener : ISegmentationListener
{
    public ConcurrentQueue<SegmentationRunCommitted> Runs { get; } = new();

    /// <summary>Listeners are told right after the commit, so a caller may see 'succeeded' a moment earlier.</summary>
    public async Task<SegmentationRunCommitted> SingleAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Runs.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        return Assert.Single(Runs);
    }

    public Task OnRunCommittedAsync(SegmentationRunCommitted run, CancellationToken cancellationToken)
    {
        Runs.Enqueue(run);
        return Task.CompletedTask;
    }
}

public class ListenerFactory : SegmentationFactory
{
    public RecordingListener Listener { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ISegmentationListener>(Listener));
    }
}

/// <summary>A second replica on the first one's database.</summary>
public sealed class SecondReplicaFactory : ListenerFactory
{
    public SecondReplicaFactory(string connectionString) => JoinDatabase(connectionString);
}

public sealed class ReplicaTests(ListenerFactory factory) : IClassFixture<ListenerFactory>
{
    private static async Task<UserSegmentResponse> EventuallyAsync(HttpClient admin, string user, Func<UserSegmentResponse, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var answer = await admin.UserSegmentAsync(user);
            if (done(answer) || DateTime.UtcNow > deadline)
            {
                return answer;
            }
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ListenersHearOfEachRunOnEveryReplicaAndLiveMovesReachOtherReplicas()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();
        var runId = (await admin.RunToEndAsync()).GetProperty("runId").GetInt64();

        var heard = await factory.Listener.SingleAsync();
        Assert.Equal((runId, (long?)null, 4), (heard.RunId, heard.PreviousRunId, heard.SegmentKeys.Count));
        Assert.All(heard.Transitions, t => Assert.Equal("cold-start", t.FromKey));
        Assert.Equal(100, heard.Transitions.Sum(t => t.Users));

        await using var replica = new SecondReplicaFactory(factory.ConnectionString);
        await replica.InitializeAsync();
        var otherAdmin = replica.Admin();
        var seen = await EventuallyAsync(otherAdmin, "u0-0", a => a.Source == "run");
        Assert.Equal((await admin.UserSegmentAsync("u0-0")).Segment.Key, seen.Segment.Key);
        Assert.Equal(runId, (await replica.Listener.SingleAsync()).RunId);

        // A live move on the first replica shows on the second at its next poll.
        await shop.PostAsync([.. shop.Shopping("u0-0", 3, volume: 3)]);
        var moved = await admin.UserSegmentAsync("u0-0");
        Assert.Equal("live", moved.Source);
        replica.Time.Advance(TimeSpan.FromSeconds(10));
        var there = await EventuallyAsync(otherAdmin, "u0-0", a => a.Source == "live");
        Assert.Equal((moved.Segment.Key, "live"), (there.Segment.Key, there.Source));
    }
}

using Microsoft.Extensions.Options;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Events;

namespace SegmentService.Tests.Behaviour;

/// <summary>User-based CF (Behaviour:UserNeighbours): the nearest users' items join the `similar` candidates.</summary>
public sealed class UserBasedCfTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// "me" bought a and b. Ten users bought a with x and ten b with x, so x is a's and b's strongest item neighbour; one
    /// peer bought a, b and z, so z co-occurs with a and b only once but the peer shares both of my items.
    /// </summary>
    private static BehaviourModel Shop(BehaviourOptions options)
    {
        var model = new BehaviourModel(Options.Create(options));
        var signals = new List<BehaviourSignal>();
        var at = T0;
        void Buy(string user, params string[] items)
        {
            foreach (var item in items)
            {
                signals.Add(new BehaviourSignal(user, EventType.Purchase, item, at = at.AddMinutes(1)));
            }
        }
        for (var i = 0; i < 10; i++)
        {
            Buy($"ax{i}", "a", "x");
            Buy($"bx{i}", "b", "x");
        }
        Buy("peer", "a", "b", "z");
        Buy("me", "a", "b");
        model.Apply(signals);
        return model;
    }

    private static IReadOnlyList<Candidate> SimilarFor(BehaviourOptions options, string user = "me")
    {
        using var sources = new CandidateSources(Shop(options), Options.Create(options));
        return [.. sources.ForUser(user, 10).Where(c => c.Source == CandidateSource.Similar)];
    }

    [Fact]
    public void ThePeersItemsAreProposedOnlyWithUserNeighboursOn()
    {
        // One neighbour per item: item-to-item CF offers x alone.
        var off = SimilarFor(new BehaviourOptions { Neighbours = 1 });
        Assert.Equal(["x"], off.Select(c => c.ItemId));

        var on = SimilarFor(new BehaviourOptions { Neighbours = 1, UserNeighbours = 1 });
        Assert.Contains(on, c => c.ItemId == "z");
        Assert.Contains(on, c => c.ItemId == "x");
        Assert.DoesNotContain(on, c => c.ItemId is "a" or "b");
        Assert.All(on, c => Assert.InRange(c.Affinity, 0, 1));
    }

    [Fact]
    public void TheNearestPeerIsTheOneSharingMostOfTheUsersItems()
    {
        // With one neighbour the peer (a, b, z: cosine 2/√6) beats every a-x and b-x buyer (1/√4); its z ranks with x.
        var on = SimilarFor(new BehaviourOptions { Neighbours = 1, UserNeighbours = 1 });
        var z = on.Single(c => c.ItemId == "z");
        Assert.True(z.Affinity > 0.4, $"z's affinity {z.Affinity}");
    }

    [Fact]
    public void AUserWithNoHistoryGetsNoPeers()
    {
        Assert.Empty(SimilarFor(new BehaviourOptions { UserNeighbours = 5 }, user: "stranger"));
    }

    [Fact]
    public void AfterASnapshotRestartThePeersProposeTheSame()
    {
        var options = new BehaviourOptions { Neighbours = 1, UserNeighbours = 3 };
        var live = Shop(options);
        using var image = new ChunkedStream();
        live.SaveSnapshot(image, TimeProvider.System);
        var restarted = new BehaviourModel(Options.Create(options));
        Assert.True(restarted.LoadSnapshot(image));

        using var liveSources = new CandidateSources(live, Options.Create(options));
        using var restartedSources = new CandidateSources(restarted, Options.Create(options));
        foreach (var user in new[] { "me", "peer", "ax3", "bx7" })
        {
            Assert.Equal(
                liveSources.ForUser(user, 10).OrderBy(c => c.ItemId, StringComparer.Ordinal),
                restartedSources.ForUser(user, 10).OrderBy(c => c.ItemId, StringComparer.Ordinal));
        }
        Assert.Equal(live.Trails.PeerIndexItems, restarted.Trails.PeerIndexItems);
    }
}

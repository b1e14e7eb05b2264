using Microsoft.Extensions.Options;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Events;

namespace SegmentService.Tests.Behaviour;

public sealed class SnapshotImageTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ImageOfSeveralBlocksLoadsIntoAFreshModelWithTheSameNeighboursEngagementAndTrails()
    {
        var options = Options.Create(new BehaviourOptions { MaxPairsPerItem = 40, Neighbours = 10, RecentItemsPerUser = 20, SeedItems = 10 });
        var source = new BehaviourModel(options);
        source.Apply(Signals(new Random(3), 60_000));
        using var image = new ChunkedStream();
        source.SaveSnapshot(image, TimeProvider.System);
        Assert.True(image.Length > ChunkedStream.BlockSize, $"image of {image.Length} bytes spans one block only");

        var stored = new ChunkedStream();
        foreach (var block in image.Blocks)
        {
            stored.AddBlock(block.ToArray());
        }
        var loaded = new BehaviourModel(options);
        loaded.Items.GetOrAdd("item-from-the-catalogue");
        Assert.True(loaded.LoadSnapshot(stored));

        for (var i = 0; i < source.Items.Count; i++)
        {
            var name = source.Items.Name(i);
            Assert.True(loaded.Items.TryGet(name, out var id));
            Assert.Equal(source.Graph.Engagement(i), loaded.Graph.Engagement(id));
            Assert.Equal(
                source.Graph.NeighboursOf(i).Select(n => (source.Items.Name(n.Item), n.Score)),
                loaded.Graph.NeighboursOf(id).Select(n => (loaded.Items.Name(n.Item), n.Score)));
        }
        var a = new List<TrailEntry>();
        var b = new List<TrailEntry>();
        for (var u = 0; u < 3_000; u++)
        {
            Assert.Equal(source.Trails.CopyTo($"user-{u}", a), loaded.Trails.CopyTo($"user-{u}", b));
            Assert.Equal(a.Select(e => (source.Items.Name(e.Item), e.Weight, e.Purchased)), b.Select(e => (loaded.Items.Name(e.Item), e.Weight, e.Purchased)));
        }
    }

    [Fact]
    public void ImageBuiltWithOtherSettingsIsIgnored()
    {
        var source = new BehaviourModel(Options.Create(new BehaviourOptions { RecentItemsPerUser = 50 }));
        source.Apply(Signals(new Random(5), 100));
        using var image = new ChunkedStream();
        source.SaveSnapshot(image, TimeProvider.System);

        var other = new BehaviourModel(Options.Create(new BehaviourOptions { RecentItemsPerUser = 40 }));
        Assert.False(other.LoadSnapshot(image));
        Assert.Equal(0, other.Trails.Users);
    }

    [Fact]
    public void TruncatedImageFailsToDecodeAndLeavesTheModelAsItWas()
    {
        var options = Options.Create(new BehaviourOptions());
        var source = new BehaviourModel(options);
        source.Apply(Signals(new Random(7), 500));
        using var image = new ChunkedStream();
        source.SaveSnapshot(image, TimeProvider.System);
        var bytes = image.Blocks.Single().ToArray();
        var truncated = new ChunkedStream();
        truncated.AddBlock(bytes[..(bytes.Length / 2)]);

        var target = new BehaviourModel(options);
        target.Apply([new BehaviourSignal("kept", EventType.Purchase, "a", T0), new BehaviourSignal("kept", EventType.Purchase, "b", T0)]);
        Assert.ThrowsAny<IOException>(() => target.LoadSnapshot(truncated));
        Assert.Equal(1, target.Trails.Users);
        Assert.True(target.Items.TryGet("a", out var a));
        Assert.Single(target.Graph.NeighboursOf(a));
    }

    private static List<BehaviourSignal> Signals(Random random, int count) =>
    [
        .. Enumerable.Range(0, count).Select(k => new BehaviourSignal(
            $"user-{random.Next(3_000)}",
            (EventType)(1 + random.Next(4)),
            $"item-{(int)(2_000 * Math.Pow(random.NextDouble(), 2))}",
            T0.AddMinutes(k))),
    ];
}

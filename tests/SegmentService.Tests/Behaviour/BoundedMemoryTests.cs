using SegmentService.Api.Behaviour;

namespace SegmentService.Tests.Behaviour;

public sealed class BoundedMemoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TrailKeepsOnlyTheNewestDistinctItems()
    {
        var trails = new UserTrails(capacity: 3, maxUsers: 10);
        var others = new List<TrailEntry>();
        foreach (var item in new[] { 1, 2, 3, 4, 2 })
        {
            trails.Touch("u", item, 1f, purchase: false, others);
        }

        var trail = new List<TrailEntry>();
        trails.CopyTo("u", trail);
        Assert.Equal([3, 4, 2], trail.Select(e => e.Item));
    }

    [Fact]
    public void RepeatAtTheSameStrengthPairsNothingButAStrongerEventDoes()
    {
        var trails = new UserTrails(capacity: 10, maxUsers: 10);
        var others = new List<TrailEntry>();
        trails.Touch("u", 1, 0.1f, purchase: false, others);
        trails.Touch("u", 2, 0.1f, purchase: false, others);

        Assert.Equal(0, trails.Touch("u", 2, 0.1f, purchase: false, others));
        Assert.Empty(others);
        Assert.Equal(0.9, trails.Touch("u", 2, 1f, purchase: true, others), 6);
        Assert.Equal([1], others.Select(e => e.Item));
    }

    [Fact]
    public void PastMaxUsersTheLeastRecentlyActiveAreDropped()
    {
        var trails = new UserTrails(capacity: 5, maxUsers: 8);
        var others = new List<TrailEntry>();
        for (var u = 0; u < 12; u++)
        {
            trails.Touch($"u{u}", 1, 1f, purchase: false, others);
        }
        trails.Touch("u0", 2, 1f, purchase: false, others);

        trails.Trim();

        Assert.InRange(trails.Users, 1, 8);
        Assert.True(trails.CopyTo("u0", []), "the user active last is kept");
        Assert.False(trails.CopyTo("u1", []), "the least recently active is dropped");
    }

    [Fact]
    public void CoOccurrenceRowsStayWithinMaxPairsAndKeepTheStrongest()
    {
        var graph = new ItemGraph(neighbours: 5, maxPairsPerItem: 20, halfLife: TimeSpan.FromDays(30));
        // Item 0 co-occurs once with each of 1..200, and ten times with item 999 (as its users' earlier item).
        for (var k = 0; k < 210; k++)
        {
            graph.Add(0, 1, T0, []);
        }
        for (var i = 1; i <= 200; i++)
        {
            graph.Add(i, 1, T0, [new TrailEntry(0, 1f, false)]);
        }
        for (var k = 0; k < 10; k++)
        {
            graph.Add(999, 1, T0, [new TrailEntry(0, 1f, false)]);
        }
        graph.PublishDirty();

        Assert.InRange(graph.NeighboursOf(0).Length, 1, 5);
        Assert.Equal(999, graph.NeighboursOf(0)[0].Item);
    }

    [Fact]
    public void TheGraphsDepthGaugesCountItsPairsWithinTheirBoundAndItsListedItems()
    {
        var graph = new ItemGraph(neighbours: 5, maxPairsPerItem: 20, halfLife: TimeSpan.FromDays(30));
        Assert.Equal(0, graph.Pairs);
        graph.Add(0, 1, T0, []);
        for (var i = 1; i <= 200; i++)
        {
            graph.Add(i, 1, T0, [new TrailEntry(0, 1f, false)]);
        }
        graph.Add(500, 1, T0, []); // engaged, paired with nothing: no neighbour list
        Assert.Equal(0, graph.ItemsWithNeighbours); // nothing published yet

        graph.PublishDirty();

        // Items 1..200 hold one partner each (item 0); item 0's row was pruned back whenever it reached 2 × 20.
        Assert.InRange(graph.Pairs, 200 + 20, 200 + 2 * 20 - 1);
        Assert.Equal(201, graph.ItemsWithNeighbours);
    }

    [Fact]
    public void ForwardDecaySurvivesYearsOfShortHalfLives()
    {
        var graph = new ItemGraph(neighbours: 5, maxPairsPerItem: 50, halfLife: TimeSpan.FromHours(1));
        for (var day = 0; day < 400; day++)
        {
            graph.Add(1, 1, T0.AddDays(day), []);
            graph.Add(2, 1, T0.AddDays(day), [new TrailEntry(1, 1f, false)]);
        }
        graph.Add(1, 1, T0.AddDays(400), []);
        graph.Add(3, 1, T0.AddDays(400), [new TrailEntry(1, 1f, false)]);
        graph.PublishDirty();

        var neighbours = graph.NeighboursOf(1);
        Assert.All(neighbours, n => Assert.True(float.IsFinite(n.Score) && n.Score > 0));
        Assert.Equal([3, 2], neighbours.Select(n => n.Item));
    }
}

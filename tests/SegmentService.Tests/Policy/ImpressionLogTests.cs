using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

/// <summary>The in-memory side of the impression log: no database answers (port 1), so whatever works here works from memory.</summary>
public sealed class ImpressionLogTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly NpgsqlDataSource _unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=1");
    private readonly FakeTimeProvider _time = new(Now);
    private readonly QTable _table = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _unreachable.DisposeAsync();

    private ImpressionLog Log(PolicyOptions? options = null)
    {
        var settings = Options.Create(options ?? new PolicyOptions { WindowClock = WindowClock.Process });
        return new(_table, new PolicyClock(_unreachable, settings, _time), _unreachable, settings, NullLogger<ImpressionLog>.Instance);
    }

    private static Impression Shown(string id, DateTimeOffset at, params string[] items) => new()
    {
        RecommendationId = id,
        UserId = "u1",
        SegmentKey = "seg",
        ItemIds = items,
        Scores = [.. items.Select(_ => 0.1)],
        Propensities = [.. items.Select(_ => 0.5)],
        Explored = [.. items.Select(_ => false)],
        Priors = [.. items.Select(_ => 0.1)],
        Sources = [.. items.Select(_ => "segment")],
        Excluded = [],
        CreatedAt = at,
    };

    private (double Impressions, double Reward) Pending(string item) =>
        _table.Row("seg").TryGet(item, out var cell) ? (cell.PendingImpressions, cell.PendingReward) : (0, 0);

    [Fact]
    public async Task ABufferedImpressionIsFoundWithoutTheDatabaseAndKeptWhenAWriteFails()
    {
        using var log = Log();
        var impression = Shown("r-buffered", Now, "a", "b");

        Assert.True(log.Append(impression));

        Assert.Same(impression, await log.FindAsync("r-buffered", CancellationToken.None));
        Assert.Equal(1, log.PendingCount);
        await Assert.ThrowsAnyAsync<Exception>(() => log.FlushAsync(CancellationToken.None));
        Assert.Same(impression, await log.FindAsync("r-buffered", CancellationToken.None));
        Assert.Equal(1, log.PendingCount);
    }

    [Fact]
    public void AShownItemCountsAsPendingUntilItsImpressionIsSettled()
    {
        using var log = Log();
        var impression = Shown("r-1", Now, "a", "b");
        log.Append(impression);
        log.Append(Shown("r-2", Now, "a"));
        log.AddReward(impression, "a", 1);
        log.AddReward(impression, "a", 5);
        log.AddReward(impression, "not-shown", 1);

        Assert.Equal((2.0, 6.0), Pending("a"));
        Assert.Equal((1.0, 0.0), Pending("b"));

        log.Settled("r-1");
        log.Settled("r-1"); // twice: nothing more is removed

        Assert.Equal((1.0, 0.0), Pending("a"));
        Assert.Equal((0.0, 0.0), Pending("b"));
    }

    [Fact]
    public void ARewardForAnotherReplicasImpressionIsPendingUntilReleased()
    {
        using var log = Log();
        // Shown by another replica: this one counts the reward only, not the impression.
        var elsewhere = Shown("r-other", Now, "a");
        log.AddReward(elsewhere, "a", 1);
        Assert.Equal((0.0, 1.0), Pending("a"));

        log.ReleaseBefore(Now);
        Assert.Equal((0.0, 1.0), Pending("a"));
        log.ReleaseBefore(Now.AddTicks(1));
        Assert.Equal((0.0, 0.0), Pending("a"));
        Assert.Equal(0, log.OpenCount);
    }

    [Fact]
    public async Task AnImpressionThatCouldNoLongerBeWrittenBeforeSettlingIsDroppedWithItsPendingCounts()
    {
        using var log = Log();
        log.Append(Shown("r-late", Now, "a"));
        Assert.Equal((1.0, 0.0), Pending("a"));

        // Past RewardWindow + SettleDelay / 2 every replica may have settled past it: writing it now would split them.
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(3));
        await log.FlushAsync(CancellationToken.None);

        Assert.Equal((1L, 0), (log.LateCount, log.PendingCount));
        Assert.Equal((0.0, 0.0), Pending("a"));
    }

    [Fact]
    public void AFullBufferShedsTheImpressionAndCountsNothing()
    {
        using var log = Log(new PolicyOptions { MaxBufferedImpressions = 1 });
        Assert.True(log.Append(Shown("r-1", Now, "a")));
        Assert.False(log.Append(Shown("r-2", Now, "a")));
        Assert.Equal((1L, 1), (log.ShedCount, log.PendingCount));
        Assert.Equal((1.0, 0.0), Pending("a"));
    }
}

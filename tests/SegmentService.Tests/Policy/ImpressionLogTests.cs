using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using SegmentService.Api.Recommendations;

namespace SegmentService.Tests.Policy;

public sealed class ImpressionLogTests
{
    [Fact]
    public async Task ABufferedImpressionIsFoundWithoutTheDatabase()
    {
        // Nothing listens on port 1: a database read would fail, so the answer must come from the buffer.
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=1");
        using var log = new ImpressionLog(unreachable, Options.Create(new RecommendOptions()), NullLogger<ImpressionLog>.Instance);
        var impression = new Impression
        {
            RecommendationId = "r-buffered",
            UserId = "u1",
            SegmentKey = "cold-start",
            ItemIds = ["a", "b"],
            Scores = [0.2, 0.1],
            Propensities = [0.95, 0.05],
            Explored = [false, true],
            CreatedAt = DateTimeOffset.UnixEpoch,
        };

        log.Append(impression);

        Assert.Same(impression, await log.FindAsync("r-buffered", CancellationToken.None));
        Assert.Equal(1, log.PendingCount);
        // A failed write keeps it buffered (and findable) for the next attempt.
        await Assert.ThrowsAnyAsync<Exception>(() => log.FlushAsync(CancellationToken.None));
        Assert.Same(impression, await log.FindAsync("r-buffered", CancellationToken.None));
    }
}

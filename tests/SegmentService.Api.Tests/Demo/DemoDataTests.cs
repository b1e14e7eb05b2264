using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Demo;

public sealed class DemoDataFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Demo:Seed", "true"), new("Demo:Users", "40"), new("Demo:ItemsPerCategory", "4")];
}

public sealed class DemoDataTests(DemoDataFactory factory) : IClassFixture<DemoDataFactory>
{
    [Fact]
    public async Task SeedingFillsCatalogueAndEventsThroughTheWriters()
    {
        var events = await WaitForEventsAsync();
        Assert.Equal(20, await factory.ScalarAsync<long>("SELECT count(*) FROM items"));
        Assert.True(events > 40 * 2, $"only {events} events");
        Assert.Equal(40, await factory.ScalarAsync<long>("SELECT count(DISTINCT user_id) FROM events"));
        Assert.True(await factory.ScalarAsync<long>("SELECT count(*) FROM events WHERE type = 4 AND value > 0") > 0);
    }

    private async Task<long> WaitForEventsAsync()
    {
        long last = -1;
        // The seeder writes in chunks; on a busy machine one chunk can take longer than a poll, so wait for every
        // shopper to appear (bounded) as well as for the count to settle.
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var count = await factory.ScalarAsync<long>("SELECT count(*) FROM events");
            if (count > 0 && count == last && await factory.ScalarAsync<long>("SELECT count(DISTINCT user_id) FROM events") == 40)
            {
                return count;
            }
            last = count;
            await Task.Delay(100);
        }
        return last;
    }
}

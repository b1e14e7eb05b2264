using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Segmentation;

public sealed class SegmentIdentityTests(SegmentationFactory factory) : IClassFixture<SegmentationFactory>
{
    private static Dictionary<int, string> MajorityKeys(PlantedShop shop, Dictionary<string, string> found) =>
        shop.AllUsers.GroupBy(u => u.Group).ToDictionary(
            g => g.Key, g => g.GroupBy(u => found[u.User]).OrderByDescending(k => k.Count()).First().Key);

    private static async Task<Dictionary<string, string>> LabelsAsync(HttpClient admin) =>
        (await (await admin.GetAsync("/segments")).ReadOkAsync<JsonElement>()).EnumerateArray()
            .ToDictionary(s => s.GetProperty("key").GetString()!, s => s.GetProperty("label").GetString()!);

    private static int Moved(JsonElement run) => run.GetProperty("transitions").EnumerateArray()
        .Where(t => t.GetProperty("fromKey").GetString() != t.GetProperty("toKey").GetString())
        .Sum(t => t.GetProperty("users").GetInt32());

    [Fact]
    public async Task RerunKeepsEveryKeyAndAChangedGroupMovesWhileTheOthersKeepTheirs()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();
        await admin.RunToEndAsync();
        var first = await admin.SegmentsOfAsync(shop.AllUsers.Select(u => u.User));
        var keys = MajorityKeys(shop, first);
        Assert.Equal(4, keys.Values.Distinct().Count());

        var labels = await LabelsAsync(admin);
        var rerun = await admin.RunToEndAsync();
        var second = await admin.SegmentsOfAsync(shop.AllUsers.Select(u => u.User));
        Assert.Equal(first, second);
        Assert.Equal(labels, await LabelsAsync(admin));
        Assert.Equal(0, Moved(rerun));
        Assert.Equal(4, rerun.GetProperty("metrics").GetProperty("matchedSegments").GetInt32());
        Assert.All(rerun.GetProperty("segments").EnumerateArray(),
            s => Assert.Equal(s.GetProperty("key").GetString(), s.GetProperty("matchedFrom").GetString()));

        // Group 2 (toys, mid spend) turns into heavy music buyers at a low spend.
        await shop.PostBehaviourAsync(categoryOf: _ => 4, users: shop.AllUsers.Where(u => u.Group == 2), volume: 4);
        var changed = await admin.RunToEndAsync();
        var third = await admin.SegmentsOfAsync(shop.AllUsers.Select(u => u.User));
        var after = MajorityKeys(shop, third);

        Assert.Equal(keys[0], after[0]);
        Assert.Equal(keys[1], after[1]);
        Assert.Equal(keys[3], after[3]);
        Assert.NotEqual(keys[2], after[2]);
        Assert.True(Moved(changed) >= 20, changed.GetProperty("transitions").ToString());
        Assert.Contains(changed.GetProperty("transitions").EnumerateArray(),
            t => t.GetProperty("toKey").GetString() == after[2] && t.GetProperty("users").GetInt32() >= 20);
    }
}

public sealed class LiveReassignmentTests(SegmentationFactory factory) : IClassFixture<SegmentationFactory>
{
    [Fact]
    public async Task UserWhoStartsBuyingLikeAnotherGroupMovesBeforeTheNextRun()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();
        var run = await admin.RunToEndAsync();
        var before = await admin.UserSegmentAsync("u0-0");
        var target = (await admin.UserSegmentAsync("u3-0")).Segment.Key;
        Assert.NotEqual(target, before.Segment.Key);

        // u0-0 (shoes, low spend) starts buying garden at group 3's spend level.
        await shop.PostAsync([.. shop.Shopping("u0-0", 3, volume: 3)]);
        var after = await admin.UserSegmentAsync("u0-0");

        Assert.Equal(target, after.Segment.Key);
        Assert.Equal("live", after.Source);
        Assert.Equal(factory.Time.GetUtcNow(), after.AssignedAt);
        Assert.Equal(run.GetProperty("runId").GetInt64(), after.RunId);
        Assert.Equal(target, await factory.ScalarAsync<string>("SELECT segment_key FROM live_assignments WHERE user_id = 'u0-0'"));
        Assert.Equal("run", (await admin.UserSegmentAsync("u0-1")).Source);
    }
}

public sealed class KRangeFactory : SegmentationFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [.. base.Settings.Where(s => s.Key != "Segmentation:K"), new("Segmentation:KRange", "2-7")];
}

public sealed class KRangeTests(KRangeFactory factory) : IClassFixture<KRangeFactory>
{
    [Fact]
    public async Task KChosenFromARangePicksThePlantedKAndStoresEveryScore()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();

        var run = await factory.Admin().RunToEndAsync();

        Assert.Equal(4, run.GetProperty("k").GetInt32());
        var scores = run.GetProperty("metrics").GetProperty("kScores").EnumerateArray().ToList();
        Assert.Equal([2, 3, 4, 5, 6, 7], scores.Select(s => s.GetProperty("k").GetInt32()));
        Assert.All(scores, s => Assert.True(s.GetProperty("daviesBouldin").GetDouble() > 0));
    }
}

using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Segmentation;

public sealed class PlantedSegmentsTests(SegmentationFactory factory) : IClassFixture<SegmentationFactory>
{
    [Fact]
    public async Task RunRecoversPlantedGroupsAndShowsThemOnTheEndpoints()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();

        var run = await admin.RunToEndAsync();

        var users = shop.AllUsers.ToList();
        var found = await admin.SegmentsOfAsync(users.Select(u => u.User));
        var ari = SegmentationClient.AdjustedRandIndex(
            [.. users.Select(u => u.Group.ToString())], [.. users.Select(u => found[u.User])]);
        Assert.True(ari >= 0.9, $"ARI {ari:F3} " + string.Join("; ", users.GroupBy(u => u.Group).Select(g => g.Key + ": " + string.Join(",", g.Select(u => found[u.User])))) + run.ToString());
        Assert.Equal(4, run.GetProperty("k").GetInt32());
        Assert.Equal("fixed", run.GetProperty("metrics").GetProperty("kSelection").GetString());
        Assert.Equal(100, run.GetProperty("users").GetInt32());
        Assert.Contains(run.GetProperty("features").EnumerateArray(), f => f.GetProperty("name").GetString() == "share:shoes");
        var transitions = run.GetProperty("transitions").EnumerateArray().ToList();
        Assert.All(transitions, t => Assert.Equal("cold-start", t.GetProperty("fromKey").GetString()));
        Assert.Equal(100, transitions.Sum(t => t.GetProperty("users").GetInt32()));

        var segments = await (await admin.GetAsync("/segments")).ReadOkAsync<JsonElement>();
        Assert.Equal(4, segments.GetArrayLength());
        var shoes = segments.EnumerateArray().Single(s => s.GetProperty("key").GetString() == found["u0-0"]);
        Assert.Contains("shoes", shoes.GetProperty("label").GetString(), StringComparison.Ordinal);
        Assert.True(shoes.GetProperty("centroid").GetProperty("share:shoes").GetDouble() > 0.7);
        Assert.StartsWith("shoes-", shoes.GetProperty("topItems")[0].GetString(), StringComparison.Ordinal);
        var one = await (await admin.GetAsync($"/segments/{found["u0-0"]}")).ReadOkAsync<JsonElement>();
        Assert.Equal(shoes.GetProperty("size").GetInt32(), one.GetProperty("size").GetInt32());
        var user = await admin.UserSegmentAsync("u0-0");
        Assert.Equal("run", user.Source);
        Assert.Equal(run.GetProperty("runId").GetInt64(), user.RunId);
    }
}

/// <summary>The service as shipped: no segmentation setting overridden.</summary>
public sealed class DefaultSegmentationFactory : ApiFactory;

public sealed class DefaultSegmentationTests(DefaultSegmentationFactory factory) : IClassFixture<DefaultSegmentationFactory>
{
    [Fact]
    public async Task DefaultSettingsChooseKAndFindFourPlantedGroupsExactly()
    {
        var shop = new PlantedShop(factory, groups: 4, usersPerGroup: 60);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();

        var run = await admin.RunToEndAsync();

        var users = shop.AllUsers.ToList();
        var found = await admin.SegmentsOfAsync(users.Select(u => u.User));
        var ari = SegmentationClient.AdjustedRandIndex(
            [.. users.Select(u => u.Group.ToString())], [.. users.Select(u => found[u.User])]);
        Assert.True(ari >= 0.99, $"ARI {ari:F3}; {run}");
        Assert.Equal(4, run.GetProperty("k").GetInt32());
        var metrics = run.GetProperty("metrics");
        Assert.StartsWith("silhouette over K 2-12", metrics.GetProperty("kSelection").GetString(), StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(2, 11), metrics.GetProperty("kScores").EnumerateArray().Select(s => s.GetProperty("k").GetInt32()));
    }
}

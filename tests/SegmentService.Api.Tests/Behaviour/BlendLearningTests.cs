using System.Diagnostics;
using System.Text.Json;
using SegmentService.Api.Tests.Learning;
using Xunit.Abstractions;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Behaviour;

/// <summary>
/// The blend's learning per segment (issue 8), through HTTP on the real clock with the real sweeper and clicks arriving
/// late and in bursts: <see cref="BlendWorld"/> plants a CF group and a popularity group; a real segmentation run puts
/// them in different segments; each segment must learn its own weight for the <c>similar</c> source.
/// </summary>
[Collection(RealTimeLearningCollection.Name)]
public sealed class BlendLearningTests(ITestOutputHelper output)
{
    private const int Seed = 11;
    private const int Recommendations = 2400;
    private const int LastWindow = 600;

    [Fact]
    public async Task EachSegmentLearnsTheWeightOfTheSourceItsShoppersRespondTo()
    {
        var clock = Stopwatch.StartNew();
        var factory = new BlendShopFactory();
        await factory.InitializeAsync();
        try
        {
            await RunAsync(factory, clock);
        }
        finally
        {
            await factory.DisposeAsync();
        }
    }

    private async Task RunAsync(BlendShopFactory factory, Stopwatch clock)
    {
        var world = new BlendWorld(Seed);
        await world.PostAsync(factory);
        output.WriteLine($"catalogue and events in {clock.Elapsed.TotalSeconds:0.0} s");
        await BlendWorld.SegmentAsync(factory);
        output.WriteLine($"set up in {clock.Elapsed.TotalSeconds:0.0} s");

        var shoppers = BlendWorld.AllShoppers.ToArray();
        var crowd = new ShopperCrowd(factory, Seed);
        var served = await crowd.RunAsync(Recommendations, BlendWorld.Slate, (random, _) => shoppers[random.Next(shoppers.Length)], world.Ctr);
        output.WriteLine($"served {served.Count} slates; {crowd.Clicks} clicks applied, {crowd.LateClicks} refused as late; {clock.Elapsed.TotalSeconds:0.0} s in all");

        foreach (var segment in served.GroupBy(s => s.Segment).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {segment.Key}: {segment.Count(s => BlendWorld.GroupOf(s.User) == 0)} slates to the CF group, " +
                $"{segment.Count(s => BlendWorld.GroupOf(s.User) == 1)} to the popularity group");
        }
        // Each group's segment: the one that served most of its slates.
        var segmentOf = Enumerable.Range(0, 2).Select(g => served.Where(s => BlendWorld.GroupOf(s.User) == g)
            .GroupBy(s => s.Segment).MaxBy(x => x.Count())!.Key).ToArray();
        Assert.NotEqual(segmentOf[0], segmentOf[1]);

        using var admin = factory.Admin();
        var policy = await (await admin.GetAsync("/admin/policy?top=5")).ReadOkAsync<JsonElement>();
        var similar = segmentOf.Select(key => Source(policy, key, "similar")).ToArray();
        var windows = Enumerable.Range(0, 2).Select(g => Window(served, g, 0, LastWindow)).Concat(
            Enumerable.Range(0, 2).Select(g => Window(served, g, Recommendations - LastWindow, Recommendations))).ToArray();
        for (var g = 0; g < 2; g++)
        {
            output.WriteLine($"group {g} ({BlendWorld.CategoryOf(g)}) in {segmentOf[g]}: similar Q {similar[g].Q:0.000}, weight " +
                $"{similar[g].Weight:0.000}, visits {similar[g].Visits}; first {LastWindow}: CTR {windows[g].Ctr:0.000}, similar share " +
                $"{windows[g].SimilarShare:P0}; last {LastWindow}: CTR {windows[2 + g].Ctr:0.000}, similar share {windows[2 + g].SimilarShare:P0}");
        }
        for (var g = 0; g < 2; g++)
        {
            var first = served.Where(x => x.Index <= LastWindow && BlendWorld.GroupOf(x.User) == g).SelectMany(x => x.Items).ToList();
            output.WriteLine($"group {g}, first {LastWindow} slates by source: " + string.Join(", ", first.GroupBy(i => i.Source)
                .OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key} {x.Count() / (double)first.Count:P0}")));
        }
        foreach (var key in segmentOf)
        {
            var row = policy.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == key);
            var blend = row.GetProperty("blend");
            output.WriteLine($"{key} blend over {blend.GetProperty("shownItems").GetDouble():0} shown items: intercept {blend.GetProperty("intercept").GetDouble():0.000}, " +
                $"segment value × {blend.GetProperty("segmentValue").GetDouble():0.000}; " + string.Join(", ", row.GetProperty("sources").EnumerateArray().Select(v =>
                    $"{v.GetProperty("source").GetString()} coefficient {v.GetProperty("coefficient").GetDouble():0.000} weight {v.GetProperty("weight").GetDouble():0.000}")));
        }
        var (cf, popular) = (windows[2], windows[3]);

        // Both segments tried the CF source (the popularity group's shoppers have CF proposals of affinity 1 too) ...
        Assert.True(similar[0].Visits > 100 && similar[1].Visits > 50, "each segment settled impressions of similar items");
        Assert.True(windows[1].SimilarShare > 0, "the popularity segment was shown its CF proposals early on");
        // ... and learnt what it is worth there: high in the CF segment, nothing in the popularity segment.
        Assert.True(similar[0].Q > 2 * similar[1].Q, $"similar Q: CF segment {similar[0].Q:0.000}, popularity segment {similar[1].Q:0.000}");
        Assert.True(similar[0].Weight > 0.02, $"CF segment's similar weight {similar[0].Weight:0.000}");
        Assert.True(similar[1].Weight < similar[0].Weight / 4, $"popularity segment's similar weight {similar[1].Weight:0.000}");
        Assert.True(cf.SimilarShare > 2 * popular.SimilarShare, "the CF segment's slates hold more CF items than the popularity segment's");

        // Served CTR: the CF group well above any one list for its segment (a blend weight of 0), the popularity group above
        // what its slates could reach with its CF proposals weighted in as the CF segment weights them.
        Assert.True(cf.Ctr > 2 * BlendWorld.SegmentListBoundForCfGroup, $"CF group's CTR {cf.Ctr:0.000} vs one list's best {BlendWorld.SegmentListBoundForCfGroup:0.000}");
        Assert.True(popular.Ctr > BlendWorld.PopularGroupWithCfSlots, $"popularity group's CTR {popular.Ctr:0.000} vs {BlendWorld.PopularGroupWithCfSlots:0.000} with CF slots");
    }

    private static (double Q, double Weight, long Visits) Source(JsonElement policy, string segment, string source)
    {
        var row = policy.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == segment);
        var cell = row.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("source").GetString() == source);
        return (cell.GetProperty("q").GetDouble(), cell.GetProperty("weight").GetDouble(), cell.GetProperty("visits").GetInt64());
    }

    private static (double Ctr, double SimilarShare) Window(IReadOnlyList<Served> served, int group, long from, long to)
    {
        var slates = served.Where(s => s.Index > from && s.Index <= to && BlendWorld.GroupOf(s.User) == group).ToList();
        return (slates.Average(s => s.Ctr), slates.Average(s => s.Items.Count(i => i.Source == "similar") / (double)s.Items.Count));
    }
}

/// <summary>The learning tests' real-time service; the segmentation also runs on this shop's 48 shoppers (default: 100 or more).</summary>
public sealed class BlendShopFactory : RealTimeShopFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [.. LearningSettings.ServiceConfiguration, new("Segmentation:MinUsers", "40")];
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Behaviour;

/// <summary>
/// A planted shop where one group of shoppers responds to CF and the other to popularity.
/// <list type="bullet">
/// <item>Group 0 ("cf", browses <c>home</c>): shopper j has two private co-purchase pairs (s, t), each bought together by
/// <see cref="CoBuyersPerPair"/> background users; j viewed both s items lately and clicks any item of their own pairs
/// 35 % of the time, everything else 2 %. Every shopper's pairs differ, so no per-segment top list can serve them.</item>
/// <item>Group 1 ("popular", browses <c>sport</c>): clicks 5 hot <c>deals</c> items 35 % of the time, everything else 2 %.
/// Its shoppers have private pairs too (CF proposes them with affinity 1), but they do not care for them.</item>
/// </list>
/// Nobody's history touches a hot item or a t item.
/// </summary>
public sealed class BlendWorld
{
    public const int ShoppersPerGroup = 24;
    public const int PairsPerShopper = 2;
    public const int CoBuyersPerPair = 3;
    public const int PoolPerCategory = 16;
    public const int DealItems = 16;
    public const int HotDeals = 5;
    public const int Slate = 5;
    public const double HitCtr = 0.35;
    public const double OtherCtr = 0.02;

    private static readonly string[] Browsed = ["home", "sport"];
    private readonly int _seed;

    public BlendWorld(int seed)
    {
        _seed = seed;
        var random = new Random(seed);
        Hot = Enumerable.Range(0, DealItems).OrderBy(_ => random.Next()).Take(HotDeals).Select(Deal).ToHashSet(StringComparer.Ordinal);
    }

    public static string CategoryOf(int group) => Browsed[group];

    public static string Shopper(int group, int number) => string.Create(CultureInfo.InvariantCulture, $"{Browsed[group]}-shopper-{number:00}");

    public static int GroupOf(string shopper) => shopper.StartsWith("home", StringComparison.Ordinal) ? 0 : 1;

    public static IEnumerable<string> AllShoppers =>
        Enumerable.Range(0, 2).SelectMany(g => Enumerable.Range(0, ShoppersPerGroup).Select(n => Shopper(g, n)));

    /// <summary>The seed (s) and target (t) of a shopper's pair.</summary>
    public static (string Seed, string Target) Pair(string shopper, int pair) => ($"{shopper}-s{pair}", $"{shopper}-t{pair}");

    public static string Pool(int group, int i) => string.Create(CultureInfo.InvariantCulture, $"{Browsed[group]}-{i:00}");

    public static string Deal(int i) => string.Create(CultureInfo.InvariantCulture, $"deal-{i:00}");

    public IReadOnlySet<string> Hot { get; }

    /// <summary>True click probability of <paramref name="item"/> for <paramref name="shopper"/>.</summary>
    public double Ctr(string shopper, string item) =>
        GroupOf(shopper) == 0
            ? item.StartsWith(shopper + "-", StringComparison.Ordinal) ? HitCtr : OtherCtr
            : Hot.Contains(item) ? HitCtr : OtherCtr;

    /// <summary>
    /// The best a slate without the user's own sources can do for the CF group: one list for the whole segment, whose
    /// best items are a single shopper's pair items (a hit for 1 shopper in 24).
    /// </summary>
    public static double SegmentListBoundForCfGroup => (HitCtr + (ShoppersPerGroup - 1) * OtherCtr) / ShoppersPerGroup;

    /// <summary>
    /// The most the popularity group can get when its own CF proposals take slots (as the CF group's weighting puts
    /// them in): the other slots all hot.
    /// </summary>
    public static double PopularGroupWithCfSlots => ((Slate - PairsPerShopper) * HitCtr + PairsPerShopper * OtherCtr) / Slate;

    public async Task PostAsync(ApiFactory factory)
    {
        using var client = factory.Storefront();
        var items = new List<object>();
        for (var g = 0; g < 2; g++)
        {
            items.AddRange(Enumerable.Range(0, PoolPerCategory).Select(i => Item(Pool(g, i), CategoryOf(g), 20 + 30 * g)));
            foreach (var shopper in Enumerable.Range(0, ShoppersPerGroup).Select(n => Shopper(g, n)))
            {
                for (var p = 0; p < PairsPerShopper; p++)
                {
                    var (s, t) = Pair(shopper, p);
                    items.Add(Item(s, CategoryOf(g), 20 + 30 * g));
                    items.Add(Item(t, CategoryOf(g), 20 + 30 * g));
                }
            }
        }
        items.AddRange(Enumerable.Range(0, DealItems).Select(i => Item(Deal(i), "deals", 15)));
        foreach (var chunk in items.Chunk(1000))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/items", new { items = chunk })).StatusCode);
        }

        var random = new Random(_seed);
        var now = DateTimeOffset.UtcNow;
        var events = new List<object>();
        foreach (var shopper in AllShoppers)
        {
            var g = GroupOf(shopper);
            for (var e = 0; e < 14; e++)
            {
                var group = random.NextDouble() < 0.85 ? g : 1 - g;
                var roll = random.NextDouble();
                var type = roll < 0.6 ? "view" : roll < 0.9 ? "click" : "purchase";
                events.Add(Event($"h-{shopper}-{e}", shopper, type, Pool(group, random.Next(PoolPerCategory)), now.AddMinutes(-random.Next(120, 72 * 60))));
            }
            for (var p = 0; p < PairsPerShopper; p++)
            {
                events.Add(Event($"s-{shopper}-{p}", shopper, "view", Pair(shopper, p).Seed, now.AddMinutes(-30 + p)));
                for (var b = 0; b < CoBuyersPerPair; b++)
                {
                    var buyer = CoBuyer(shopper, p, b);
                    var at = now.AddDays(-2).AddMinutes(-random.Next(600));
                    events.Add(Event($"b-{shopper}-{p}-{b}-s", buyer, "purchase", Pair(shopper, p).Seed, at));
                    events.Add(Event($"b-{shopper}-{p}-{b}-t", buyer, "purchase", Pair(shopper, p).Target, at));
                }
            }
        }
        foreach (var chunk in events.Chunk(1000))
        {
            var result = await (await client.PostAsJsonAsync("/events", new { events = chunk })).ReadOkAsync<JsonElement>();
            Assert.Equal(0, result.GetProperty("rejected").GetArrayLength());
        }
    }

    /// <summary>Runs segmentation (polled until it succeeds and this replica's lookup took it).</summary>
    public static async Task SegmentAsync(ApiFactory factory)
    {
        using var admin = factory.Admin();
        var started = await admin.PostAsync("/admin/segmentation/runs", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetInt64();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement run;
        while ((run = await (await admin.GetAsync($"/admin/segmentation/runs/{runId}")).ReadOkAsync<JsonElement>())
            .GetProperty("status").GetString() == "running")
        {
            Assert.True(DateTime.UtcNow < deadline, $"segmentation run {runId} still running after 60 s");
            await Task.Delay(50);
        }
        Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
        while ((await (await admin.GetAsync($"/users/{Shopper(0, 0)}/segment")).ReadOkAsync<JsonElement>()).GetProperty("source").GetString() != "run")
        {
            Assert.True(DateTime.UtcNow < deadline, "the segment lookup did not take the run within 60 s");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The b-th buyer of a shopper's pair: another shopper of the same group (so buyers are not a population of their own
    /// for the segmentation), a different set for each pair.
    /// </summary>
    private static string CoBuyer(string shopper, int pair, int b)
    {
        var number = int.Parse(shopper[^2..], CultureInfo.InvariantCulture);
        return Shopper(GroupOf(shopper), (number + 1 + b + pair * CoBuyersPerPair) % ShoppersPerGroup);
    }

    private static object Item(string id, string category, decimal price) => new { itemId = id, category, price, inStock = true };

    private static object Event(string id, string user, string type, string item, DateTimeOffset at) =>
        new { eventId = id, userId = user, type, itemId = item, occurredAt = at, value = type == "purchase" ? 20m : (decimal?)null };
}

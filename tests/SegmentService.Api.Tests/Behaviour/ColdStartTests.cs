using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using SegmentService.Api.Tests.Learning;
using Xunit.Abstractions;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Behaviour;

/// <summary>
/// Cold start through HTTP on the real clock (real sweeper, clicks in bursts): first-time visitors, each with no
/// history (so all in the <c>cold-start</c> segment), click 3 planted favourites 40 % of the time and everything else
/// 3 %; the segment learns its best items from them. Then a new user, and a new item, arrive.
/// </summary>
[Collection(RealTimeLearningCollection.Name)]
public sealed class ColdStartTests(ITestOutputHelper output)
{
    private const int Seed = 5;
    private const int Training = 1200;
    private const int Slate = 5;
    private const double FavouriteCtr = 0.40;
    private const double OtherCtr = 0.03;
    private static readonly string[] Favourites = ["gift-07", "gift-13", "gift-22"];

    [Fact]
    public async Task NewUserGetsTheSegmentsBestThenContentMatchesOnceTheyHaveEvents()
    {
        await WithTrainedShopAsync(async (factory, _) =>
        {
            using var client = factory.Storefront();
            var before = await SlatesAsync(client, "newcomer", 5);
            foreach (var slate in before)
            {
                output.WriteLine("no history: " + string.Join(", ", slate.Select(i => $"{i.ItemId} ({i.Source})")));
            }
            Assert.All(before, slate => Assert.Equal("cold-start", slate.Segment));
            Assert.All(before, slate => Assert.DoesNotContain(slate, i => i.Source is "similar" or "content"));
            Assert.All(before.SelectMany(s => s).Where(i => Favourites.Contains(i.ItemId)), i => Assert.Equal("segment", i.Source));
            Assert.True(before.Average(slate => slate.Count(i => Favourites.Contains(i.ItemId))) >= 2.5, "a new user is shown the segment's learnt best");

            var shop = new BehaviourShop(factory);
            await shop.EventsAsync("view", DateTimeOffset.UtcNow.AddMinutes(-5), ("newcomer", "mug-02"), ("newcomer", "mug-05"), ("newcomer", "mug-09"));
            var after = await SlatesAsync(client, "newcomer", 10);
            foreach (var slate in after)
            {
                output.WriteLine("3 mug views: " + string.Join(", ", slate.Select(i => $"{i.ItemId} ({i.Source})")));
            }
            // Their own sources now propose mugs: content matches of their category, and CF neighbours of the mugs they viewed.
            var own = after.SelectMany(s => s).Where(i => i.Source is "content" or "similar").ToList();
            // The newcomer clicks none of them, so their weight fades over the 10 slates; the first ones all hold some.
            Assert.True(after.Count(s => s.Any(i => i.Source == "content")) >= 3, "content matches are blended into the slates");
            Assert.All(after.Take(5), slate => Assert.Contains(slate, i => i.Source is "content" or "similar"));
            Assert.All(own, i => Assert.StartsWith("mug-", i.ItemId, StringComparison.Ordinal));
            Assert.True(after.Average(slate => slate.Count(i => Favourites.Contains(i.ItemId))) >= 2, "the segment's best stay in the slate beside them");
        });
    }

    [Fact]
    public async Task NewItemWithNoEventsIsExploredAndRisesOnceItEarnsClicks()
    {
        await WithTrainedShopAsync(async (factory, crowd) =>
        {
            using var client = factory.Storefront();
            (await client.PutAsJsonAsync("/items/gift-new", new { category = "gifts", price = 20, inStock = true, title = "New gift" })).EnsureSuccessStatusCode();

            var served = await crowd.RunAsync(900, Slate, Visitor, (_, item) => item == "gift-new" ? 0.6 : Ctr(item));
            var shown = served.Select(s => s.Items.FirstOrDefault(i => i.ItemId == "gift-new")).ToList();
            var first = shown.FindIndex(i => i is not null);
            output.WriteLine($"gift-new first shown in slate {first + 1} ({shown[first]}); in {shown.Take(300).Count(i => i is not null)} of the first 300 " +
                $"and {shown.TakeLast(300).Count(i => i is { Explored: false })} of the last 300 greedily");

            // Tried at once: by exploration, or greedily when its category's level puts its prior above the slate's floor.
            Assert.InRange(first, 0, 49);
            Assert.Contains(shown[first]!.Source, (string[])["explore", "segment"]);
            Assert.All(shown.OfType<ServedItem>(), i => Assert.True(i.Propensity > 0));
            Assert.True(shown.TakeLast(300).Count(i => i is { Explored: false }) >= 240, "after its clicks it is in the greedy slate");
            using var admin = factory.Admin();
            var policy = await (await admin.GetAsync("/admin/policy?top=1")).ReadOkAsync<JsonElement>();
            var coldStart = policy.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "cold-start");
            Assert.Equal("gift-new", coldStart.GetProperty("topItems")[0].GetProperty("itemId").GetString());
        });
    }

    /// <summary>A catalogue of 30 gifts, 15 mugs and 15 books; <see cref="Training"/> slates to first-time visitors.</summary>
    private async Task WithTrainedShopAsync(Func<RealTimeShopFactory, ShopperCrowd, Task> test)
    {
        var factory = new RealTimeShopFactory();
        await factory.InitializeAsync();
        try
        {
            var shop = new BehaviourShop(factory);
            await shop.ItemsAsync([
                .. Enumerable.Range(0, 30).Select(i => (Id("gift", i), "gifts", 20m, (string?)$"Gift box {i}")),
                .. Enumerable.Range(0, 15).Select(i => (Id("mug", i), "mugs", 8m, (string?)$"Enamel mug {i}")),
                .. Enumerable.Range(0, 15).Select(i => (Id("book", i), "books", 12m, (string?)$"Paperback {i}")),
            ]);
            var crowd = new ShopperCrowd(factory, Seed);
            var trained = await crowd.RunAsync(Training, Slate, Visitor, (_, item) => Ctr(item));
            output.WriteLine($"trained on {trained.Count} first-time visitors: CTR {trained.Take(300).Average(s => s.Ctr):0.000} in the first 300, " +
                $"{trained.TakeLast(300).Average(s => s.Ctr):0.000} in the last 300 (best slate {(3 * FavouriteCtr + 2 * OtherCtr) / Slate:0.000})");
            await test(factory, crowd);
        }
        finally
        {
            await factory.DisposeAsync();
        }
    }

    private static string Visitor(Random random, long index) => string.Create(CultureInfo.InvariantCulture, $"visitor-{index:00000}");

    private static double Ctr(string item) => Favourites.Contains(item) ? FavouriteCtr : OtherCtr;

    private static string Id(string prefix, int i) => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:00}");

    private static async Task<List<Answer>> SlatesAsync(HttpClient client, string user, int count)
    {
        var slates = new List<Answer>();
        for (var i = 0; i < count; i++)
        {
            var answer = await (await client.GetAsync($"/recommend?userId={user}&count={Slate}")).ReadOkAsync<JsonElement>();
            slates.Add(new Answer(answer.GetProperty("segment").GetProperty("key").GetString()!, [.. answer.GetProperty("items").EnumerateArray()
                .Select(x => new ServedItem(x.GetProperty("itemId").GetString()!, x.GetProperty("source").GetString()!,
                    x.GetProperty("explored").GetBoolean(), x.GetProperty("propensity").GetDouble(), 0))]));
        }
        return slates;
    }

    private sealed class Answer(string segment, IEnumerable<ServedItem> items) : List<ServedItem>(items)
    {
        public string Segment { get; } = segment;
    }
}

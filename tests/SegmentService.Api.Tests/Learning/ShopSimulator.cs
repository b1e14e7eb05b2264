using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Learning;

/// <summary>
/// One served slate: who got it, each shown item's source (API.md's `source`) and true click probability in slate order,
/// the clicks it drew, and what the best and a random slate were worth.
/// </summary>
public sealed record ServedSlate(long Index, int Group, IReadOnlyList<(string Source, double Ctr)> Slots, int Clicks, double Oracle, double RandomCtr, double Seconds)
{
    /// <summary>The slate's true CTR: the mean of its items'.</summary>
    public double ServedCtr => Slots.Average(s => s.Ctr);
}

/// <summary>The policy's greedy slates at one moment, valued under the truth, per group (with that moment's oracle).</summary>
public sealed record GreedySnapshot(long Index, double[] Greedy, double[] Oracle);

/// <summary>
/// Many shoppers in flight at once, each asking GET /recommend (5 items) and clicking by the planted truth;
/// clicks go back through <see cref="ShopFeedback"/> in bursts. Every <see cref="LearningSettings.WindowSize"/>
/// recommendations it values the policy's greedy slates (<see cref="GreedySlates"/>). Real time throughout.
/// </summary>
public sealed class ShopSimulator(ApiFactory factory, ShopWorld world, ShopHistory history, IReadOnlyDictionary<string, string> segments, int seed)
{
    private static readonly string[] Shoppers = [.. ShopWorld.AllShoppers];

    private readonly ConcurrentDictionary<string, string> _segmentOf = new(segments, StringComparer.Ordinal);
    private readonly GreedySlates _greedy = new(world);
    private readonly ConcurrentBag<ServedSlate> _served = [];
    private readonly ConcurrentBag<GreedySnapshot> _snapshots = [];
    private readonly ConcurrentBag<(long Index, string Line)> _blends = [];
    private readonly long[] _perGroup = new long[ShopWorld.Groups];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _issued;

    public IReadOnlyList<ServedSlate> Served => [.. _served.OrderBy(s => s.Index)];

    public IReadOnlyList<GreedySnapshot> Snapshots => [.. _snapshots.OrderBy(s => s.Index)];

    public long Issued => Interlocked.Read(ref _issued);

    /// <summary>Every 1,000 recommendations, each segment's blend fit as GET /admin/policy showed it (one line per segment).</summary>
    public IReadOnlyList<(long Index, string Line)> Blends => [.. _blends.OrderBy(b => b.Index).ThenBy(b => b.Line, StringComparer.Ordinal)];

    public long ServedTo(int group) => Interlocked.Read(ref _perGroup[group]);

    public ShopFeedback? Feedback { get; private set; }

    public IReadOnlyDictionary<string, string> SegmentOf => _segmentOf;

    /// <summary>Serves until <paramref name="enough"/> says so (checked before each recommendation), then sends the last clicks.</summary>
    public async Task RunAsync(Func<ShopSimulator, bool> enough)
    {
        using var client = factory.Storefront();
        using var admin = factory.Admin();
        Feedback ??= new ShopFeedback(factory.Storefront(), history);
        using var stop = new CancellationTokenSource();
        var pump = Feedback.PumpAsync(stop.Token);
        var shoppers = Enumerable.Range(0, LearningSettings.ConcurrentShoppers).Select(async _ =>
        {
            while (!enough(this))
            {
                var index = Interlocked.Increment(ref _issued);
                await ServeAsync(client, index);
                if (index % LearningSettings.WindowSize == 0)
                {
                    await SnapshotAsync(admin, index);
                }
            }
        });
        try
        {
            await Task.WhenAll(shoppers);
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
        Assert.True(Feedback.Failed == 0, $"{Feedback.Failed} feedback requests failed; first: {Feedback.FirstFailure}");
    }

    /// <summary>Values the greedy slates now (GET /admin/policy and the scores seen in served slates).</summary>
    public async Task<GreedySnapshot> SnapshotAsync(HttpClient admin, long index)
    {
        var policy = await (await admin.GetAsync("/admin/policy?top=100")).ReadOkAsync<JsonElement>();
        var snapshot = _greedy.Value(index, policy, _segmentOf, history.BoughtBy);
        _snapshots.Add(snapshot);
        if (index % 1000 == 0)
        {
            foreach (var segment in policy.GetProperty("segments").EnumerateArray())
            {
                _blends.Add((index, BlendLine(segment)));
            }
        }
        return snapshot;
    }

    private static string BlendLine(JsonElement segment)
    {
        var blend = segment.GetProperty("blend");
        var sources = string.Join("  ", segment.GetProperty("sources").EnumerateArray().Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.GetProperty("source").GetString()} β {s.GetProperty("coefficient").GetDouble():0.000} served {s.GetProperty("weight").GetDouble():0.000} exploration {s.GetProperty("selectionWeight").GetDouble():0.000}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"{segment.GetProperty("key").GetString()}: intercept {blend.GetProperty("intercept").GetDouble():0.000} b {blend.GetProperty("segmentValue").GetDouble():0.000} shown {blend.GetProperty("shownItems").GetDouble():0}  {sources}");
    }

    private async Task ServeAsync(HttpClient client, long index)
    {
        // Who shops and what they click depend only on the seed and the request's number.
        var random = new Random(unchecked((seed * 1_000_003) + (int)index));
        var shopper = Shoppers[random.Next(Shoppers.Length)];
        var group = ShopWorld.GroupOf(shopper);
        var bought = history.BoughtBy(shopper);
        var oracle = world.Oracle(group, bought);
        var randomCtr = world.RandomSlate(group, bought);
        var answer = await (await client.GetAsync(
            string.Create(CultureInfo.InvariantCulture, $"/recommend?userId={shopper}&count={ShopWorld.Slate}"))).ReadOkAsync<JsonElement>();
        var recommendationId = answer.GetProperty("recommendationId").GetString()!;
        var segment = answer.GetProperty("segment").GetProperty("key").GetString()!;
        _segmentOf[shopper] = segment;
        var items = answer.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(ShopWorld.Slate, items.Count);
        var clicks = 0;
        var slots = new List<(string Source, double Ctr)>(items.Count);
        foreach (var item in items)
        {
            var itemId = item.GetProperty("itemId").GetString()!;
            var i = world.IndexOf(itemId);
            _greedy.Saw(segment, i, item.GetProperty("score").GetDouble());
            var p = world.Ctr(group, i);
            slots.Add((item.GetProperty("source").GetString()!, p));
            if (random.NextDouble() < p)
            {
                clicks++;
                var purchase = random.NextDouble() < LearningSettings.PurchaseShareOfClicks;
                Feedback!.Enqueue(new ShopFeedback.Pending(recommendationId, shopper, i, itemId, purchase, ShopHistory.Price(world.CategoryOf(i))));
            }
        }
        Interlocked.Increment(ref _perGroup[group]);
        _served.Add(new ServedSlate(index, group, slots, clicks, oracle, randomCtr, _clock.Elapsed.TotalSeconds));
        await Task.Delay(LearningSettings.ShopperThinkTime * (0.5 + random.NextDouble()));
    }
}

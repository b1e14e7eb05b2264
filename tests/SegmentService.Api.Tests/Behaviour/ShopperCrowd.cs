using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;
using SegmentService.Api.Tests.Learning;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Behaviour;

/// <summary>One item of a served slate, as the answer gave it.</summary>
public sealed record ServedItem(string ItemId, string Source, bool Explored, double Propensity, double Ctr);

/// <summary>One served slate: its number, who got it, their segment, its items and their mean true click probability.</summary>
public sealed record Served(long Index, string User, string Segment, IReadOnlyList<ServedItem> Items)
{
    public double Ctr => Items.Average(i => i.Ctr);
}

/// <summary>
/// Shoppers in flight as in the learning tests (<see cref="LearningSettings.ConcurrentShoppers"/>, think time, clicks in
/// bursts through <see cref="ClickBursts"/>), on the real clock: each asks GET /recommend and clicks by a planted truth.
/// Who asks and what they click depend only on the seed and the request's number.
/// </summary>
public sealed class ShopperCrowd(ApiFactory factory, int seed)
{
    private readonly ConcurrentBag<Served> _served = [];
    private long _issued;

    public IReadOnlyList<Served> Served => [.. _served.OrderBy(s => s.Index)];

    /// <summary>Clicks applied so far.</summary>
    public long Clicks { get; private set; }

    /// <summary>Clicks refused as late (the machine was slow to post a burst inside the window); reported, as in the learning tests.</summary>
    public long LateClicks { get; private set; }

    /// <summary>
    /// Serves <paramref name="count"/> more slates of <paramref name="slate"/> items to the users <paramref name="who"/>
    /// picks, clicking each item with the probability <paramref name="ctr"/> gives; returns once the last clicks are posted.
    /// </summary>
    public async Task<IReadOnlyList<Served>> RunAsync(int count, int slate, Func<Random, long, string> who, Func<string, string, double> ctr)
    {
        using var client = factory.Storefront();
        var feedback = new ClickBursts(factory.Storefront());
        var last = Interlocked.Read(ref _issued) + count;
        var first = last - count;
        using var stop = new CancellationTokenSource();
        var pump = feedback.PumpAsync(stop.Token);
        var shoppers = Enumerable.Range(0, LearningSettings.ConcurrentShoppers).Select(async _ =>
        {
            long index;
            while ((index = Interlocked.Increment(ref _issued)) <= last)
            {
                var random = new Random(unchecked((seed * 1_000_003) + (int)index));
                var user = who(random, index);
                var answer = await (await client.GetAsync(
                    string.Create(CultureInfo.InvariantCulture, $"/recommend?userId={user}&count={slate}"))).ReadOkAsync<JsonElement>();
                var recommendationId = answer.GetProperty("recommendationId").GetString()!;
                var items = new List<ServedItem>();
                foreach (var item in answer.GetProperty("items").EnumerateArray())
                {
                    var itemId = item.GetProperty("itemId").GetString()!;
                    var p = ctr(user, itemId);
                    items.Add(new ServedItem(itemId, item.GetProperty("source").GetString()!, item.GetProperty("explored").GetBoolean(),
                        item.GetProperty("propensity").GetDouble(), p));
                    if (random.NextDouble() < p)
                    {
                        feedback.Enqueue(recommendationId, itemId);
                    }
                }
                _served.Add(new Served(index, user, answer.GetProperty("segment").GetProperty("key").GetString()!, items));
                await Task.Delay(LearningSettings.ShopperThinkTime * (0.5 + random.NextDouble()));
            }
        });
        try
        {
            await Task.WhenAll(shoppers);
        }
        finally
        {
            Interlocked.Exchange(ref _issued, last);
            await stop.CancelAsync();
            await pump;
        }
        Assert.True(feedback.Failed == 0, $"{feedback.Failed} clicks failed");
        (Clicks, LateClicks) = (Clicks + feedback.Applied, LateClicks + feedback.Late);
        return [.. _served.Where(s => s.Index > first).OrderBy(s => s.Index)];
    }
}

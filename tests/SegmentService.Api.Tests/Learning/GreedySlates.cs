using System.Collections.Concurrent;
using System.Text.Json;

namespace SegmentService.Api.Tests.Learning;

/// <summary>
/// The policy's greedy slate per shopper, valued under the planted truth. GET /admin/policy lists only items with a
/// learnt value, while serving also ranks items by their prior; so each segment's ranking is the admin view's Q
/// over the latest score each item had in a slate served to the segment (the score is the value it was ranked by).
/// A shopper's greedy slate is the top 5 of their segment's ranking minus what they bought, as the service serves.
/// </summary>
public sealed class GreedySlates(ShopWorld world)
{
    private readonly ConcurrentDictionary<(string Segment, int Item), double> _seen = new();

    public void Saw(string segment, int item, double score) => _seen[(segment, item)] = score;

    public GreedySnapshot Value(long index, JsonElement policy, IReadOnlyDictionary<string, string> segmentOf, Func<string, IReadOnlySet<int>> boughtBy)
    {
        var scores = new Dictionary<string, Dictionary<int, double>>(StringComparer.Ordinal);
        Dictionary<int, double> Row(string segment) =>
            scores.TryGetValue(segment, out var row) ? row : scores[segment] = [];
        foreach (var ((segment, item), score) in _seen)
        {
            Row(segment)[item] = score;
        }
        foreach (var segment in policy.GetProperty("segments").EnumerateArray())
        {
            var row = Row(segment.GetProperty("key").GetString()!);
            var listed = new HashSet<int>();
            foreach (var top in segment.GetProperty("topItems").EnumerateArray())
            {
                var item = world.IndexOf(top.GetProperty("itemId").GetString()!);
                row[item] = top.GetProperty("q").GetDouble();
                listed.Add(item);
            }
            // A truncated list (more learnt items than listed): every unlisted item is worth at most the lowest listed Q,
            // whatever score it had when last served.
            if (segment.TryGetProperty("items", out var learnt) && learnt.GetInt32() > listed.Count && listed.Count > 0)
            {
                var floor = listed.Min(i => row[i]);
                foreach (var item in row.Keys.Where(i => !listed.Contains(i) && row[i] > floor).ToList())
                {
                    row[item] = floor;
                }
            }
        }
        var ranked = scores.ToDictionary(
            s => s.Key,
            s => s.Value.Where(e => e.Key >= 0).OrderByDescending(e => e.Value).ThenBy(e => e.Key).Select(e => e.Key).ToList(),
            StringComparer.Ordinal);

        var greedy = new double[ShopWorld.Groups];
        var oracle = new double[ShopWorld.Groups];
        foreach (var shopper in ShopWorld.AllShoppers)
        {
            var group = ShopWorld.GroupOf(shopper);
            var bought = boughtBy(shopper);
            var slate = segmentOf.TryGetValue(shopper, out var segment) && ranked.TryGetValue(segment, out var list)
                ? list.Where(i => !bought.Contains(i)).Take(ShopWorld.Slate).ToList()
                : [];
            // Slots the policy has never ranked anything for are worth a random item.
            var rest = world.RandomSlate(group, bought);
            greedy[group] += (slate.Sum(i => world.Ctr(group, i)) + ((ShopWorld.Slate - slate.Count) * rest)) / ShopWorld.Slate;
            oracle[group] += world.Oracle(group, bought);
        }
        for (var g = 0; g < ShopWorld.Groups; g++)
        {
            greedy[g] /= ShopWorld.ShoppersPerGroup;
            oracle[g] /= ShopWorld.ShoppersPerGroup;
        }
        return new GreedySnapshot(index, greedy, oracle);
    }

    /// <summary>Each segment's majority group and its share of the segment's shoppers.</summary>
    public static IEnumerable<(string Segment, int Group, int Members, double Share)> Majorities(IReadOnlyDictionary<string, string> segmentOf) =>
        segmentOf.GroupBy(s => s.Value, StringComparer.Ordinal)
            .Select(seg =>
            {
                var top = seg.GroupBy(s => ShopWorld.GroupOf(s.Key)).OrderByDescending(g => g.Count()).First();
                return (seg.Key, top.Key, seg.Count(), (double)top.Count() / seg.Count());
            })
            .OrderBy(s => s.Item1, StringComparer.Ordinal);
}

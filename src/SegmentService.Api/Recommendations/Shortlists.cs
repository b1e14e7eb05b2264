using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Policy;

namespace SegmentService.Api.Recommendations;

/// <summary>
/// Per (segment, category) shortlists of a large catalogue, kept ready so a request scores a bounded set instead of
/// every item: the best <see cref="RecommendOptions.ShortlistSize"/> items by selection score (mean plus the optimism
/// bonus, so untried items with a large bonus are on it) and the best <see cref="RecommendOptions.ShortlistByMean"/>
/// by mean. A list is rebuilt off the request path after <see cref="RecommendOptions.ShortlistRefreshRequests"/>
/// requests (at least n / 100 for n items) or when the catalogue changed; requests meanwhile use the previous one, rescored with today's values.
/// </summary>
public sealed class Shortlists(QTable table, PolicyScorer scorer, IOptions<RecommendOptions> options, ILogger<Shortlists> logger)
{
    /// <summary>Cells scored per lock of the segment's row while a list is rebuilt, so requests interleave.</summary>
    private const int Chunk = 4096;

    /// <summary>
    /// Catalogue items a request pays for in rebuilds, on average: a list is rebuilt after at least n / this many requests,
    /// so the cost of a request does not grow with the catalogue. Items shown are rescored on every request anyway; what
    /// a rebuild adds is items outside the list whose score rose (settled rewards, recalibrated priors).
    /// </summary>
    private const int ScannedPerRequest = 100;

    private readonly RecommendOptions _options = options.Value;
    private readonly ConcurrentDictionary<(string Segment, string? Category), Entry> _lists = new();

    /// <summary>A built list, the set of its items and the catalogue view it was built from, swapped as one.</summary>
    private sealed class Built(string[] items, CatalogView view)
    {
        public string[] Items { get; } = items;
        public HashSet<string> Set { get; } = new(items, StringComparer.Ordinal);
        public CatalogView View { get; } = view;
    }

    private sealed class Entry(Built list)
    {
        public Built List = list;
        public int Served;
        public int Rebuilding;
    }

    /// <summary>Lists held (one per segment and large category asked for).</summary>
    public int Count => _lists.Count;

    /// <summary>The shortlist for a segment over <paramref name="view"/>'s items in <paramref name="category"/> (all when null).</summary>
    public string[] For(string segmentKey, string? category, CatalogView view) => ListFor(segmentKey, category, view).Items;

    /// <summary>
    /// The segment's shortlist and the user's own <paramref name="proposals"/> that are in the pool, each once, the list
    /// first. A list built on <paramref name="view"/> itself needs no stock or category check: only what the request excludes.
    /// </summary>
    public string[] Candidates(string segmentKey, string? category, CatalogView view, CandidatePool pool, IReadOnlyList<Candidate> proposals)
    {
        var list = ListFor(segmentKey, category, view);
        var current = ReferenceEquals(list.View, view);
        var result = new string[list.Items.Length + proposals.Count];
        var n = 0;
        foreach (var id in list.Items)
        {
            // A list built before the latest catalogue change may name an item gone out of stock.
            if (pool.Contains(id) && (current || view.CategoryOf.ContainsKey(id)))
            {
                result[n++] = id;
            }
        }
        // The sources propose each item once; only the list can repeat one.
        foreach (var p in proposals)
        {
            if (!list.Set.Contains(p.ItemId) && view.CategoryOf.TryGetValue(p.ItemId, out var itemCategory)
                && (category is null || itemCategory == category) && pool.Contains(p.ItemId))
            {
                result[n++] = p.ItemId;
            }
        }
        return n == result.Length ? result : result.AsSpan(0, n).ToArray();
    }

    private Built ListFor(string segmentKey, string? category, CatalogView view)
    {
        var key = (segmentKey, category);
        if (!_lists.TryGetValue(key, out var entry))
        {
            // The first request of a segment builds its list inline; later ones never wait for a rebuild.
            entry = _lists.GetOrAdd(key, _ => new Entry(new Built(Build(segmentKey, view.Candidates(category)), view)));
            return entry.List;
        }
        var list = Volatile.Read(ref entry.List);
        // Rebuilds are spread so that a request pays for at most ScannedPerRequest items of the scan on average.
        var every = Math.Max(_options.ShortlistRefreshRequests, view.Candidates(category).Length / ScannedPerRequest);
        var stale = !ReferenceEquals(list.View, view) || Interlocked.Increment(ref entry.Served) >= every;
        if (stale && Interlocked.CompareExchange(ref entry.Rebuilding, 1, 0) == 0)
        {
            Interlocked.Exchange(ref entry.Served, 0);
            _ = Task.Run(() => Rebuild(entry, segmentKey, category, view));
        }
        return list;
    }

    private void Rebuild(Entry entry, string segmentKey, string? category, CatalogView view)
    {
        try
        {
            Volatile.Write(ref entry.List, new Built(Build(segmentKey, view.Candidates(category)), view));
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Rebuilding the shortlist of segment {Segment} failed; the previous one stays", segmentKey);
        }
        finally
        {
            Volatile.Write(ref entry.Rebuilding, 0);
        }
    }

    private string[] Build(string segmentKey, string[] items)
    {
        var n = items.Length;
        // One pooled buffer: at 100,000 items four fresh arrays per rebuild would each land on the large object heap.
        var buffer = ArrayPool<double>.Shared.Rent(4 * n);
        try
        {
            var priors = buffer.AsSpan(0, n);
            var means = buffer.AsSpan(n, n);
            var selection = buffer.AsSpan(2 * n, n);
            var tieBreak = buffer.AsSpan(3 * n, n);
            for (var start = 0; start < n; start += Chunk)
            {
                var length = Math.Min(Chunk, n - start);
                scorer.Score(table, segmentKey, items.AsSpan(start, length), priors.Slice(start, length),
                    means.Slice(start, length), selection.Slice(start, length));
            }
            // Equal scores (untried items of one shelf) are cut at random, so a large catalogue is not explored in id order.
            var random = new Random();
            for (var i = 0; i < n; i++)
            {
                tieBreak[i] = random.NextDouble();
            }
            var chosen = new HashSet<int>(_options.ShortlistSize + _options.ShortlistByMean);
            AddTop(selection, tieBreak, _options.ShortlistSize, chosen);
            AddTop(means, tieBreak, _options.ShortlistByMean, chosen);
            return [.. chosen.Order().Select(i => items[i])];
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>Adds the indices of the k largest values (ties: the larger tie-break) to <paramref name="into"/>.</summary>
    private static void AddTop(ReadOnlySpan<double> values, ReadOnlySpan<double> tieBreak, int k, HashSet<int> into)
    {
        if (k == 0)
        {
            return;
        }
        var top = new PriorityQueue<int, (double Value, double TieBreak)>(k + 1);
        for (var i = 0; i < values.Length; i++)
        {
            var key = (values[i], tieBreak[i]);
            // Once the heap is full, a key below its least would be dequeued at once.
            if (top.Count == k && top.TryPeek(out _, out var least) && key.CompareTo(least) <= 0)
            {
                continue;
            }
            top.Enqueue(i, key);
            if (top.Count > k)
            {
                top.Dequeue();
            }
        }
        while (top.TryDequeue(out var index, out _))
        {
            into.Add(index);
        }
    }
}

using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Behaviour;

/// <summary>Which source proposed a candidate; the names are those of API.md's <c>source</c> field.</summary>
public enum CandidateSource
{
    /// <summary>Item-to-item CF: a neighbour of the user's recent items.</summary>
    Similar,
    /// <summary>Attribute match with the user's profile (category shares, spend level, title words).</summary>
    Content,
}

/// <summary>A proposed item, its source, and the user's affinity to it from that source (0–1, 1 = the source's best).</summary>
public readonly record struct Candidate(string ItemId, CandidateSource Source, double Affinity)
{
    public string SourceName => Source == CandidateSource.Similar ? "similar" : "content";
}

/// <summary>
/// The request-path entry point: CF neighbours of the user's recent items and content matches, each a bounded amount of
/// work (seed items × neighbours, top categories × list length) whatever the catalogue size. Thread-safe; takes only
/// the user's own trail lock, for a copy. Items the user bought within their trail are left out; the caller still
/// applies its own filters (stock, exclude, all past purchases, category).
/// </summary>
public sealed class CandidateSources(BehaviourModel model, IOptions<BehaviourOptions> options) : IDisposable
{
    private readonly ThreadLocal<Scratch> _scratch = new(() => new Scratch());

    /// <summary>
    /// Up to <paramref name="max"/> <c>similar</c> candidates, then up to <paramref name="max"/> <c>content</c> ones not
    /// already proposed, each group best first. Empty for a user with no events.
    /// </summary>
    public IReadOnlyList<Candidate> ForUser(string userId, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var scratch = _scratch.Value!;
        scratch.Clear();
        if (!model.Trails.CopyTo(userId, scratch.Trail))
        {
            return [];
        }
        var result = new List<Candidate>(2 * max);
        Similar(userId, scratch, max, result);
        Content(scratch, max, result);
        return result;
    }

    public void Dispose() => _scratch.Dispose();

    private void Similar(string userId, Scratch scratch, int max, List<Candidate> result)
    {
        var o = options.Value;
        var trail = scratch.Trail;
        var weight = 1.0;
        for (var k = trail.Count - 1; k >= 0 && k >= trail.Count - o.SeedItems; k--, weight *= o.AgeDecay)
        {
            var seed = trail[k];
            foreach (var n in model.Graph.NeighboursOf(seed.Item))
            {
                CollectionsMarshal.GetValueRefOrAddDefault(scratch.Scores, n.Item, out _) += weight * seed.Weight * n.Score;
            }
        }
        if (o.UserNeighbours > 0)
        {
            // The two kinds of CF are on different scales: each counts up to its own best, then they add.
            ScaleToBest(scratch.Scores);
            var byPeers = scratch.PeerScores;
            byPeers.Clear();
            model.Trails.AddPeerScores(userId, trail, o.SeedItems, o.UserNeighbours, scratch.Peers, byPeers);
            ScaleToBest(byPeers);
            foreach (var (item, score) in byPeers)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(scratch.Scores, item, out _) += score;
            }
        }
        foreach (var entry in trail)
        {
            if (entry.Purchased)
            {
                scratch.Scores.Remove(entry.Item);
            }
        }
        TakeBest(scratch, max, CandidateSource.Similar, result);
    }

    private static void ScaleToBest(Dictionary<int, double> scores)
    {
        var best = 0.0;
        foreach (var score in scores.Values)
        {
            best = Math.Max(best, score);
        }
        if (best > 0)
        {
            foreach (var key in scores.Keys)
            {
                scores[key] /= best;
            }
        }
    }

    private void Content(Scratch scratch, int max, List<Candidate> result)
    {
        var o = options.Value;
        var profile = scratch.Profile;
        profile.Build(scratch.Trail, model.Content);
        if (profile.Total <= 0)
        {
            return;
        }
        var top = profile.TopCategories(o.ContentCategories);
        for (var c = 0; c < top.Count; c++)
        {
            var (category, share) = top[c];
            if (model.Content.ListsOf(category) is not { } lists)
            {
                continue;
            }
            foreach (var list in (ReadOnlySpan<ListedItem[]>)[lists.Engaged, lists.Newest])
            {
                foreach (var (item, a) in list)
                {
                    if (!a.InStock || profile.Purchased.Contains(item) || scratch.Proposed.Contains(item))
                    {
                        continue;
                    }
                    // An item on both lists of its category scores the same twice: once is enough.
                    ref var score = ref CollectionsMarshal.GetValueRefOrAddDefault(scratch.Scores, item, out var listed);
                    if (!listed)
                    {
                        score = share * profile.PriceMatch(a.LogPrice) * (0.3 + 0.7 * profile.WordMatch(a.Words));
                    }
                }
            }
        }
        TakeBest(scratch, max, CandidateSource.Content, result);
    }

    private void TakeBest(Scratch scratch, int max, CandidateSource source, List<Candidate> result)
    {
        var top = scratch.Top;
        foreach (var (item, score) in scratch.Scores)
        {
            if (score <= 0)
            {
                continue;
            }
            var key = (score, -item);
            // Keys are distinct (one per item): once the heap is full, a key below its minimum would be dequeued at once.
            if (top.Count == max && (!top.TryPeek(out _, out var least) || key.CompareTo(least) < 0))
            {
                continue;
            }
            if (scratch.Proposed.Contains(item))
            {
                continue;
            }
            top.Enqueue(item, key);
            if (top.Count > max)
            {
                top.Dequeue();
            }
        }
        // The heap yields the weakest first: fill the group from its end so it reads best first.
        var start = result.Count;
        var taken = top.Count;
        for (var i = 0; i < taken; i++)
        {
            result.Add(default);
        }
        var best = 0.0;
        for (var i = start + taken - 1; top.TryDequeue(out var item, out var key); i--)
        {
            result[i] = new Candidate(model.Items.Name(item), source, key.Score);
            scratch.Proposed.Add(item);
            best = key.Score;
        }
        for (var i = start; i < result.Count; i++)
        {
            result[i] = result[i] with { Affinity = result[i].Affinity / best };
        }
        scratch.Scores.Clear();
    }

    private sealed class Scratch
    {
        public List<TrailEntry> Trail { get; } = new(64);
        public Dictionary<int, double> Scores { get; } = new(2048);
        public HashSet<int> Proposed { get; } = [];
        public PriorityQueue<int, (double Score, int Tie)> Top { get; } = new();
        public UserContentProfile Profile { get; } = new();
        public Dictionary<int, double> PeerScores { get; } = new(2048);
        public UserTrails.PeerScratch Peers { get; } = new();

        public void Clear()
        {
            Scores.Clear();
            Proposed.Clear();
            Top.Clear();
        }
    }
}

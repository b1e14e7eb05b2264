using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace SegmentService.Api.Behaviour;

/// <summary>
/// User-based CF. Per item, the trails of the last <c>usersPerItem</c> users who took it up (a ring: the newest replaces
/// the oldest). A user's peers are the trails that share most of the user's recent items, by cosine over item sets,
/// and each item on a peer's trail scores the peer's similarity. The work per request is bounded (seed items × ring
/// size, then peers × trail length) whatever the number of users.
/// </summary>
public sealed partial class UserTrails
{
    private ConcurrentDictionary<int, TakenUpBy> _takenUp = new();

    /// <summary>Whether the per-item rings are kept (Behaviour:UserNeighbours above 0).</summary>
    public bool KeepsPeers => usersPerItem > 0;

    /// <summary>Items with a ring of recent takers (the peer index's depth).</summary>
    public int PeerIndexItems => _takenUp.Count;

    /// <summary>
    /// Adds to <paramref name="scores"/>, for every item on the trails of the user's <paramref name="peers"/> nearest
    /// users, the sum of their similarities: |shared| / √(seeds · |peer's trail|) over the user's newest
    /// <paramref name="seedItems"/> items.
    /// </summary>
    public void AddPeerScores(string userId, List<TrailEntry> trail, int seedItems, int peers, PeerScratch scratch, Dictionary<int, double> scores)
    {
        if (usersPerItem == 0 || peers <= 0 || trail.Count == 0)
        {
            return;
        }
        var overlap = scratch.Overlap;
        overlap.Clear();
        var seeds = Math.Min(seedItems, trail.Count);
        for (var k = trail.Count - 1; k >= trail.Count - seeds; k--)
        {
            if (!_takenUp.TryGetValue(trail[k].Item, out var ring))
            {
                continue;
            }
            ring.CopyTo(scratch.Takers);
            foreach (var other in scratch.Takers)
            {
                if (!string.Equals(other.UserId, userId, StringComparison.Ordinal))
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(overlap, other, out _)++;
                }
            }
        }
        var nearest = scratch.Nearest;
        nearest.Clear();
        foreach (var (other, shared) in overlap)
        {
            // Count is read without the peer's lock: a trail changing meanwhile moves its similarity by one item at most.
            var similarity = shared / Math.Sqrt((double)seeds * Math.Max(1, other.Entries.Count));
            if (nearest.Count < peers)
            {
                nearest.Enqueue(other, similarity);
            }
            else if (nearest.TryPeek(out _, out var least) && similarity > least)
            {
                nearest.DequeueEnqueue(other, similarity);
            }
        }
        while (nearest.TryDequeue(out var peer, out var similarity))
        {
            lock (peer)
            {
                foreach (var entry in peer.Entries)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(scores, entry.Item, out _) += similarity;
                }
            }
        }
    }

    /// <summary>Called by <see cref="Touch"/> under the trail's lock when the item is new on the trail.</summary>
    private void NoteTakenUp(int item, Trail trail)
    {
        if (usersPerItem > 0)
        {
            _takenUp.GetOrAdd(item, static (_, size) => new TakenUpBy(size), usersPerItem).Add(trail);
        }
    }

    /// <summary>After trails were loaded: the rings from every trail, least recently active first (so the newest stay).</summary>
    private void RebuildTakenUp()
    {
        var rebuilt = new ConcurrentDictionary<int, TakenUpBy>();
        if (usersPerItem > 0)
        {
            foreach (var trail in _trails.Values.OrderBy(t => t.LastActive))
            {
                lock (trail)
                {
                    foreach (var entry in trail.Entries)
                    {
                        rebuilt.GetOrAdd(entry.Item, static (_, size) => new TakenUpBy(size), usersPerItem).Add(trail);
                    }
                }
            }
        }
        Volatile.Write(ref _takenUp, rebuilt);
    }

    /// <summary>Per-thread buffers of <see cref="AddPeerScores"/>.</summary>
    public sealed class PeerScratch
    {
        internal Dictionary<Trail, int> Overlap { get; } = new(ReferenceEqualityComparer.Instance);
        internal List<Trail> Takers { get; } = new(128);
        internal PriorityQueue<Trail, double> Nearest { get; } = new();
    }

    /// <summary>The last users who took an item up; a trimmed user's trail stays until the ring overwrites it.</summary>
    private sealed class TakenUpBy(int size)
    {
        private readonly Trail[] _ring = new Trail[size];
        private int _next;
        private int _count;

        public void Add(Trail trail)
        {
            lock (_ring)
            {
                _ring[_next] = trail;
                _next = (_next + 1) % _ring.Length;
                _count = Math.Min(_count + 1, _ring.Length);
            }
        }

        public void CopyTo(List<Trail> into)
        {
            into.Clear();
            lock (_ring)
            {
                for (var i = 0; i < _count; i++)
                {
                    into.Add(_ring[i]);
                }
            }
        }
    }
}

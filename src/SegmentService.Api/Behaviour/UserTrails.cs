using System.Collections.Concurrent;

namespace SegmentService.Api.Behaviour;

/// <summary>One entry of a user's trail (12 bytes): an item, the strongest event weight seen for it, whether it was bought.</summary>
public readonly record struct TrailEntry(int Item, float Weight, bool Purchased);

/// <summary>
/// Each user's most recent distinct items (at most <c>capacity</c>, newest last), with a small lock per user.
/// The number of users is bounded: past <c>maxUsers</c> the least recently active eighth is dropped.
/// With <c>usersPerItem</c> above 0 it also keeps, per item, the trails of the users who most recently took it up
/// (<see cref="AddPeerScores"/>: user-based CF).
/// </summary>
public sealed partial class UserTrails(int capacity, int maxUsers, int usersPerItem = 0)
{
    private ConcurrentDictionary<string, Trail> _trails = new(StringComparer.Ordinal);
    private long _tick;

    public int Users => _trails.Count;

    /// <summary>
    /// Records that the user touched the item and returns the trail's other items as they were before (for pairing)
    /// and how much the item's weight rose (0: nothing new, no pairs to count).
    /// </summary>
    public double Touch(string userId, int item, float weight, bool purchase, List<TrailEntry> others)
    {
        others.Clear();
        var trail = _trails.GetOrAdd(userId, static id => new Trail(id));
        lock (trail)
        {
            trail.LastActive = Interlocked.Increment(ref _tick);
            var index = trail.Entries.FindIndex(e => e.Item == item);
            double rise = weight;
            var purchased = purchase;
            if (index >= 0)
            {
                var old = trail.Entries[index];
                rise = Math.Max(0, weight - old.Weight);
                weight = Math.Max(weight, old.Weight);
                purchased |= old.Purchased;
                trail.Entries.RemoveAt(index);
            }
            if (rise > 0)
            {
                others.AddRange(trail.Entries);
            }
            if (trail.Entries.Count >= capacity)
            {
                trail.Entries.RemoveAt(0);
            }
            trail.Entries.Add(new TrailEntry(item, weight, purchased));
            if (index < 0)
            {
                NoteTakenUp(item, trail);
            }
            return rise;
        }
    }

    /// <summary>Copies the user's trail, newest last, into <paramref name="into"/>; false for an unknown user.</summary>
    public bool CopyTo(string userId, List<TrailEntry> into)
    {
        into.Clear();
        if (!Volatile.Read(ref _trails).TryGetValue(userId, out var trail))
        {
            return false;
        }
        lock (trail)
        {
            into.AddRange(trail.Entries);
        }
        return true;
    }

    /// <summary>Drops the least recently active eighth when over the bound; called by the single writer.</summary>
    public void Trim()
    {
        if (_trails.Count <= maxUsers)
        {
            return;
        }
        var cut = _trails.Select(t => t.Value.LastActive).Order().ElementAt(Math.Max(0, _trails.Count - maxUsers + maxUsers / 8));
        foreach (var (user, trail) in _trails)
        {
            if (trail.LastActive <= cut)
            {
                _trails.TryRemove(user, out _);
            }
        }
    }

    internal sealed class Trail(string userId)
    {
        public string UserId { get; } = userId;
        public List<TrailEntry> Entries { get; } = new(4);
        public long LastActive { get; set; }
    }
}

using System.Collections.Concurrent;

namespace SegmentService.Api.Behaviour;

/// <summary>The trails' part of a snapshot: each user's entries, oldest first, and their activity tick.</summary>
public sealed partial class UserTrails
{
    /// <summary>Writes every trail; the caller holds the writer lock (the only one that changes trails).</summary>
    internal void Save(ImageWriter writer)
    {
        writer.Write(_tick);
        writer.Write(_trails.Count);
        foreach (var (user, trail) in _trails)
        {
            writer.Write(user);
            writer.Write(trail.LastActive);
            writer.Write(trail.Entries.Count);
            foreach (var entry in trail.Entries)
            {
                writer.Write(entry.Item);
                writer.Write(entry.Weight);
                writer.Write(entry.Purchased);
            }
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote into this fresh instance, renumbering items through <paramref name="ids"/>.</summary>
    internal void Load(ImageReader reader, int[] ids)
    {
        _tick = reader.ReadInt64();
        var users = reader.ReadInt32();
        var trails = new ConcurrentDictionary<string, Trail>(Environment.ProcessorCount, users, StringComparer.Ordinal);
        for (var u = 0; u < users; u++)
        {
            var user = reader.ReadString();
            var trail = new Trail(user) { LastActive = reader.ReadInt64() };
            var count = reader.ReadInt32();
            trail.Entries.Capacity = Math.Max(4, count);
            for (var k = 0; k < count; k++)
            {
                trail.Entries.Add(new TrailEntry(ids[reader.ReadInt32()], reader.ReadSingle(), reader.ReadBoolean()));
            }
            trails[user] = trail;
        }
        _trails = trails;
    }

    /// <summary>Takes over loaded trails (the caller holds the writer lock); what this instance held is dropped.</summary>
    internal void Adopt(UserTrails loaded)
    {
        _tick = loaded._tick;
        Volatile.Write(ref _trails, loaded._trails);
        RebuildTakenUp();
    }
}

using System.Globalization;

namespace SegmentService.Api.Behaviour;

/// <summary>
/// The model as one binary image: the settings it was built with, item names in id order, the graph, the trails.
/// Loaded by a restart instead of folding every stored event again; the events received since are folded after.
/// </summary>
public sealed partial class BehaviourModel
{
    /// <summary>Bumped whenever the image layout changes; an image of another format is ignored (full rebuild).</summary>
    public const int SnapshotFormat = 1;

    /// <summary>The settings that shape the folded state; an image built with others is ignored.</summary>
    private string Shape => string.Create(CultureInfo.InvariantCulture,
        $"{_options.MaxPairsPerItem}|{_options.RecentItemsPerUser}|{_options.HalfLife.Ticks}|{_weights.View}|{_weights.Click}|{_weights.AddToCart}|{_weights.Purchase}");

    /// <summary>Writes the image under the writer lock and returns the moment it was taken (read from <paramref name="clock"/> inside the lock).</summary>
    public DateTimeOffset SaveSnapshot(Stream stream, TimeProvider clock)
    {
        using var writer = new ImageWriter(stream);
        lock (_write)
        {
            var taken = clock.GetUtcNow();
            writer.Write(SnapshotFormat);
            writer.Write(Shape);
            var names = Items.Count;
            writer.Write(names);
            for (var id = 0; id < names; id++)
            {
                writer.Write(Items.Name(id));
            }
            Graph.Save(writer, names);
            Trails.Save(writer);
            return taken;
        }
    }

    /// <summary>
    /// Reads an image into fresh state without holding the writer lock (item names get ids in <see cref="Items"/>),
    /// then swaps it in under the lock: whatever was folded before is dropped, so the caller folds the events received
    /// since the image was taken afterwards. False (nothing changed) for an image of another format or settings.
    /// </summary>
    public bool LoadSnapshot(Stream stream)
    {
        var reader = new ImageReader(stream);
        if (reader.ReadInt32() != SnapshotFormat || reader.ReadString() != Shape)
        {
            return false;
        }
        var ids = new int[reader.ReadInt32()];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Items.GetOrAdd(reader.ReadString());
        }
        var graph = new ItemGraph(_options.Neighbours, _options.MaxPairsPerItem, _options.HalfLife);
        graph.Load(reader, ids);
        var trails = new UserTrails(_options.RecentItemsPerUser, _options.MaxUsers);
        trails.Load(reader, ids);
        lock (_write)
        {
            Graph.Adopt(graph);
            Trails.Adopt(trails);
        }
        return true;
    }
}

namespace SegmentService.Api.Behaviour;

/// <summary>The graph's part of a snapshot: the landmark, each item's engagement and co-occurrence row.</summary>
public sealed partial class ItemGraph
{
    /// <summary>Writes the state of items 0…<paramref name="count"/>−1; the caller holds the writer lock.</summary>
    internal void Save(ImageWriter writer, int count)
    {
        writer.Write(_landmark is { } landmark ? landmark.UtcTicks : -1L);
        var n = Math.Min(count, _rows.Length);
        writer.Write(n);
        for (var item = 0; item < n; item++)
        {
            writer.Write(_marginals[item]);
            var row = _rows[item];
            writer.Write(row?.Count ?? 0);
            if (row is null)
            {
                continue;
            }
            // Enumeration order is kept, so a loaded row breaks ties (neighbours, pruning) the way this one does.
            foreach (var (other, weight) in row)
            {
                writer.Write(other);
                writer.Write(weight);
            }
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote into this fresh graph, renumbering items through <paramref name="ids"/>, and publishes every neighbour list.</summary>
    internal void Load(ImageReader reader, int[] ids)
    {
        var landmark = reader.ReadInt64();
        _landmark = landmark < 0 ? null : new DateTimeOffset(landmark, TimeSpan.Zero);
        var n = reader.ReadInt32();
        if (ids.Length > 0)
        {
            Ensure(ids.Max());
        }
        for (var i = 0; i < n; i++)
        {
            var item = ids[i];
            _marginals[item] = reader.ReadDouble();
            var count = reader.ReadInt32();
            if (count == 0)
            {
                continue;
            }
            var row = _rows[item] = new Dictionary<int, float>(count);
            _pairs += count;
            for (var k = 0; k < count; k++)
            {
                row.Add(ids[reader.ReadInt32()], reader.ReadSingle());
            }
            MarkDirty(item);
        }
        PublishDirty();
    }

    /// <summary>Takes over a loaded graph's state (the caller holds the writer lock); what this graph held is dropped.</summary>
    internal void Adopt(ItemGraph loaded)
    {
        _rows = loaded._rows;
        _isDirty = loaded._isDirty;
        _dirty.Clear();
        _landmark = loaded._landmark;
        Volatile.Write(ref _pairs, loaded._pairs);
        Volatile.Write(ref _listed, loaded._listed);
        Volatile.Write(ref _marginals, loaded._marginals);
        Volatile.Write(ref _neighbours, loaded._neighbours);
    }
}

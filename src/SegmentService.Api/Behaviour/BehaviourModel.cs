using Microsoft.Extensions.Options;
using SegmentService.Api.Events;

namespace SegmentService.Api.Behaviour;

/// <summary>One behaviour event as the model reads it.</summary>
public readonly record struct BehaviourSignal(string UserId, EventType Type, string ItemId, DateTimeOffset At);

/// <summary>
/// The behaviour state: item ids, user trails, the co-occurrence graph and the content index. Writes (commits,
/// the start-up rebuild) are serialised by one lock; reads on the request path take no lock but a user's trail lock.
/// </summary>
public sealed partial class BehaviourModel
{
    private readonly Lock _write = new();
    private readonly EventWeightOptions _weights;
    private readonly BehaviourOptions _options;
    private readonly List<TrailEntry> _others = new(64);

    public BehaviourModel(IOptions<BehaviourOptions> options)
    {
        var o = options.Value;
        _weights = o.Weights;
        _options = o;
        Items = new KeyTable();
        Trails = new UserTrails(o.RecentItemsPerUser, o.MaxUsers, o.UserNeighbours > 0 ? o.RecentUsersPerItem : 0);
        Graph = new ItemGraph(o.Neighbours, o.MaxPairsPerItem, o.HalfLife);
        Content = new ContentIndex(Items, o.ContentListLength);
    }

    public KeyTable Items { get; }
    public UserTrails Trails { get; }
    public ItemGraph Graph { get; }
    public ContentIndex Content { get; }

    /// <summary>Folds events in (in the order given) and republishes the neighbour lists they changed.</summary>
    public void Apply(IEnumerable<BehaviourSignal> signals)
    {
        lock (_write)
        {
            foreach (var s in signals)
            {
                AddLocked(s);
            }
            Graph.PublishDirty();
            Trails.Trim();
        }
    }

    /// <summary>Folds a large stream in chunks, releasing the lock between chunks so commits interleave; neighbours are published per chunk.</summary>
    public async Task<long> LoadAsync(IAsyncEnumerable<BehaviourSignal> signals, int chunk, CancellationToken cancellationToken)
    {
        var buffer = new List<BehaviourSignal>(chunk);
        long total = 0;
        await foreach (var s in signals.WithCancellation(cancellationToken))
        {
            buffer.Add(s);
            if (buffer.Count == chunk)
            {
                Fold(buffer);
                total += buffer.Count;
                buffer.Clear();
            }
        }
        Fold(buffer);
        total += buffer.Count;
        lock (_write)
        {
            Graph.PublishDirty();
            Trails.Trim();
        }
        return total;
    }

    private void Fold(List<BehaviourSignal> buffer)
    {
        lock (_write)
        {
            foreach (var s in buffer)
            {
                AddLocked(s);
            }
        }
    }

    private void AddLocked(BehaviourSignal s)
    {
        var weight = (float)_weights.Of(s.Type);
        if (weight <= 0)
        {
            return;
        }
        var item = Items.GetOrAdd(s.ItemId);
        var rise = Trails.Touch(s.UserId, item, weight, s.Type == EventType.Purchase, _others);
        if (rise > 0)
        {
            Graph.Add(item, rise, s.At, _others);
        }
    }
}

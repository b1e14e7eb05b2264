namespace SegmentService.Api.Behaviour;

/// <summary>One neighbour of an item: its id and cosine similarity.</summary>
public readonly record struct Neighbour(int Item, float Score);

/// <summary>
/// Decayed co-occurrence between items and each item's top neighbours by cosine (C_ab / √(N_a·N_b)).
/// Weights use forward decay: an event at time t adds w·2^((t − landmark)/halfLife), so old counts never need
/// rewriting and the ratio in the cosine is the same as with weights decayed to "now" (the common factor cancels).
/// Mutated by one writer at a time (the caller holds the writer lock); readers take published neighbour arrays lock-free.
/// Memory is bounded by the item ids (the catalogue's) × <c>maxPairsPerItem</c> partners (at most twice that between
/// prunes) and <c>neighbours</c> per published list; <see cref="Pairs"/> and <see cref="ItemsWithNeighbours"/> are its depth.
/// </summary>
public sealed partial class ItemGraph(int neighbours, int maxPairsPerItem, TimeSpan halfLife)
{
    /// <summary>Past 2^MaxExponent every weight is scaled down and the landmark moved (pair weights are floats: 2^128 at most).</summary>
    private const double MaxExponent = 60;

    private static readonly Neighbour[] None = [];

    private Dictionary<int, float>?[] _rows = new Dictionary<int, float>?[1024];
    private double[] _marginals = new double[1024];
    private Neighbour[]?[] _neighbours = new Neighbour[]?[1024];
    private bool[] _isDirty = new bool[1024];
    private float[] _pruneScratch = new float[256];
    private readonly List<int> _dirty = [];
    // Reused by every TopNeighbours call (one writer at a time): a new queue per republished item was a steady
    // stream of short-lived arrays behind every batch of feedback events.
    private readonly PriorityQueue<int, double> _top = new(neighbours + 1);
    private DateTimeOffset? _landmark;
    private int _pairs;
    private int _listed;

    /// <summary>Co-occurrence pairs held (each direction counts once); read at scrape time.</summary>
    public int Pairs => Volatile.Read(ref _pairs);

    /// <summary>Items with a published, non-empty neighbour list; read at scrape time.</summary>
    public int ItemsWithNeighbours => Volatile.Read(ref _listed);

    /// <summary>The item's neighbours, best first; empty when it has none yet.</summary>
    public Neighbour[] NeighboursOf(int item)
    {
        var lists = Volatile.Read(ref _neighbours);
        return item < lists.Length ? Volatile.Read(ref lists[item]) ?? None : None;
    }

    /// <summary>The item's decayed engagement, in the same units for every item (for ranking, not absolute).</summary>
    public double Engagement(int item)
    {
        var marginals = Volatile.Read(ref _marginals);
        return item < marginals.Length ? marginals[item] : 0;
    }

    /// <summary>Counts that a user's engagement with <paramref name="item"/> rose by <paramref name="rise"/> at <paramref name="at"/>, pairing it with the user's other recent items.</summary>
    public void Add(int item, double rise, DateTimeOffset at, IReadOnlyList<TrailEntry> others)
    {
        var f = Factor(at);
        Ensure(item);
        _marginals[item] += rise * f;
        MarkDirty(item);
        foreach (var other in others)
        {
            if (other.Item == item)
            {
                continue;
            }
            Ensure(other.Item);
            var w = rise * other.Weight * f;
            Bump(item, other.Item, w);
            Bump(other.Item, item, w);
            MarkDirty(other.Item);
        }
    }

    /// <summary>Recomputes the neighbour lists of items whose rows changed since the last call; returns how many.</summary>
    public int PublishDirty()
    {
        var count = _dirty.Count;
        foreach (var item in _dirty)
        {
            var list = TopNeighbours(item);
            var had = (_neighbours[item]?.Length ?? 0) > 0;
            if (had != list.Length > 0)
            {
                Volatile.Write(ref _listed, _listed + (had ? -1 : 1));
            }
            Volatile.Write(ref _neighbours[item], list);
            _isDirty[item] = false;
        }
        _dirty.Clear();
        return count;
    }

    private void MarkDirty(int item)
    {
        if (!_isDirty[item])
        {
            _isDirty[item] = true;
            _dirty.Add(item);
        }
    }

    private Neighbour[] TopNeighbours(int item)
    {
        var row = _rows[item];
        if (row is null || row.Count == 0 || _marginals[item] <= 0)
        {
            return None;
        }
        var top = _top;
        top.Clear();
        foreach (var (other, c) in row)
        {
            var n = _marginals[other];
            if (n <= 0)
            {
                continue;
            }
            var cosine = c / Math.Sqrt(_marginals[item] * n);
            if (top.Count < neighbours)
            {
                top.Enqueue(other, cosine);
            }
            else if (top.TryPeek(out _, out var weakest) && cosine > weakest)
            {
                // Most partners of a busy item fall below the current top list: one comparison, no heap work.
                top.DequeueEnqueue(other, cosine);
            }
        }
        var result = new Neighbour[top.Count];
        for (var i = result.Length - 1; i >= 0; i--)
        {
            top.TryDequeue(out var other, out var cosine);
            result[i] = new Neighbour(other, (float)cosine);
        }
        return result;
    }

    private void Bump(int a, int b, double w)
    {
        var row = _rows[a] ??= [];
        ref var value = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(row, b, out var existed);
        value += (float)w;
        if (!existed)
        {
            Volatile.Write(ref _pairs, _pairs + 1);
        }
        if (row.Count >= 2 * maxPairsPerItem)
        {
            Prune(row, b);
        }
    }

    /// <summary>
    /// Bounded memory: a row that reached 2 × maxPairsPerItem partners is cut back to the strongest maxPairsPerItem
    /// (ties at the cut broken by enumeration order; <paramref name="keep"/>, just bumped, stays). One sort per
    /// maxPairsPerItem new partners keeps the cost per pair constant.
    /// </summary>
    private void Prune(Dictionary<int, float> row, int keep)
    {
        if (_pruneScratch.Length < row.Count)
        {
            _pruneScratch = new float[row.Count * 2];
        }
        var n = 0;
        foreach (var weight in row.Values)
        {
            _pruneScratch[n++] = weight;
        }
        Array.Sort(_pruneScratch, 0, n);
        var before = row.Count;
        var cut = _pruneScratch[n - maxPairsPerItem];
        foreach (var (other, weight) in row)
        {
            if (weight < cut && other != keep)
            {
                row.Remove(other);
            }
        }
        foreach (var (other, weight) in row)
        {
            if (row.Count <= maxPairsPerItem)
            {
                break;
            }
            if (weight <= cut && other != keep)
            {
                row.Remove(other);
            }
        }
        Volatile.Write(ref _pairs, _pairs - (before - row.Count));
    }

    private double Factor(DateTimeOffset at)
    {
        _landmark ??= at;
        var exponent = (at - _landmark.Value) / halfLife;
        if (exponent > MaxExponent)
        {
            Rebase(at);
            exponent = 0;
        }
        return Math.Pow(2, exponent);
    }

    private void Rebase(DateTimeOffset at)
    {
        var scale = Math.Pow(2, -((at - _landmark!.Value) / halfLife));
        for (var i = 0; i < _marginals.Length; i++)
        {
            _marginals[i] *= scale;
            if (_rows[i] is { } row)
            {
                foreach (var key in row.Keys.ToArray())
                {
                    row[key] *= (float)scale;
                }
            }
        }
        _landmark = at;
    }

    private void Ensure(int item)
    {
        if (item < _rows.Length)
        {
            return;
        }
        var size = Math.Max(item + 1, _rows.Length * 2);
        Array.Resize(ref _rows, size);
        Array.Resize(ref _isDirty, size);
        var marginals = new double[size];
        _marginals.CopyTo(marginals, 0);
        Volatile.Write(ref _marginals, marginals);
        var lists = new Neighbour[]?[size];
        _neighbours.CopyTo(lists, 0);
        Volatile.Write(ref _neighbours, lists);
    }
}

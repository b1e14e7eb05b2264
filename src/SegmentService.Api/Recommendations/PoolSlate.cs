using System.Buffers;
using SegmentService.Api.Policy;

namespace SegmentService.Api.Recommendations;

/// <summary>
/// The items a request may show: the catalogue (or the category's part of it) minus what the user excluded or bought.
/// A large pool is not scored as a whole: see <see cref="PoolSlate"/>.
/// </summary>
public sealed class CandidatePool(string[] items, HashSet<string>? left, int size)
{
    /// <summary>Items in the pool: the catalogue part minus the excluded ones in it.</summary>
    public int Size { get; } = size;

    public bool Contains(string itemId) => left?.Contains(itemId) != true;

    /// <summary>A uniformly random pool item not in <paramref name="taken"/>.</summary>
    public string Draw(IPolicyRandom random, HashSet<string> taken)
    {
        // Rejection first: exclusions and a slate are few next to a catalogue large enough to have a pool.
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var id = items[Math.Min((int)(random.NextDouble() * items.Length), items.Length - 1)];
            if (Contains(id) && !taken.Contains(id))
            {
                return id;
            }
        }
        var open = Array.FindAll(items, id => Contains(id) && !taken.Contains(id));
        return open[Math.Min((int)(random.NextDouble() * open.Length), open.Length - 1)];
    }
}

/// <summary>One shown item of a pool slate: a scored candidate's index, or an item drawn from the rest of the pool.</summary>
public readonly record struct PoolPick(int Index, string ItemId, double Propensity);

/// <summary>
/// ε-greedy over a shortlist inside a larger pool: each slot takes the shortlist's best selection score (ties at random)
/// with probability 1 − ε, and with probability ε a uniformly random item of the whole pool that is not yet shown. So
/// every in-stock item keeps a chance to be explored, and the propensity stays exact:
/// <code>  p = (1 − ε) / ties · [item is the shortlist's best] + ε / (pool size − slot)  </code>
/// </summary>
public static class PoolSlate
{
    public static PoolPick[] Select(
        string[] candidates, ReadOnlySpan<double> selection, int count, double epsilon, CandidatePool pool, IPolicyRandom random)
    {
        count = Math.Min(count, Math.Min(candidates.Length, pool.Size));
        var picks = new PoolPick[count];
        var taken = ArrayPool<bool>.Shared.Rent(candidates.Length);
        Array.Clear(taken, 0, candidates.Length);
        var shown = new HashSet<string>(count, StringComparer.Ordinal);
        try
        {
            Fill(candidates, selection, epsilon, pool, random, picks, taken, shown);
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(taken);
        }
        return picks;
    }

    private static void Fill(
        string[] candidates, ReadOnlySpan<double> selection, double epsilon, CandidatePool pool, IPolicyRandom random,
        PoolPick[] picks, bool[] taken, HashSet<string> shown)
    {
        var count = picks.Length;
        for (var slot = 0; slot < count; slot++)
        {
            var (best, ties) = SlateSelector.Best(selection, taken);
            int index;
            string itemId;
            if (epsilon > 0 && random.NextDouble() < epsilon)
            {
                itemId = pool.Draw(random, shown);
                // A scan, not a map: a draw is rare (ε per slot) and the candidates are a few hundred.
                index = Array.IndexOf(candidates, itemId);
            }
            else
            {
                index = SlateSelector.NthTied(selection, taken, best, Math.Min((int)(random.NextDouble() * ties), ties - 1));
                itemId = candidates[index];
            }
            var isBest = index >= 0 && selection[index] >= best - SlateSelector.TieTolerance;
            var propensity = (isBest ? (1 - epsilon) / ties : 0) + epsilon / (pool.Size - slot);
            if (index >= 0)
            {
                taken[index] = true;
            }
            shown.Add(itemId);
            picks[slot] = new PoolPick(index, itemId, propensity);
        }
    }
}

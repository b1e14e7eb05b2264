namespace RetailReplay;

/// <summary>Offline variants tried while tuning the service's CF scoring (--tune).</summary>
public static class Tuning
{
    public static IEnumerable<IScorer> Variants() =>
    [
        new CosineScorer("cosine, neighbours by count", neighboursByCount: true),
        new CosineScorer("cosine, neighbours by count + 0.5 pop", neighboursByCount: true, popularityWeight: 0.5),
        new CosineScorer("cosine, all neighbours", neighbours: 100000),
        new CosineScorer("cosine, all neighbours + 0.5 pop", neighbours: 100000, popularityWeight: 0.5),
    ];
}

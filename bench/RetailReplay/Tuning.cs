using SegmentService.Api.Behaviour;

namespace RetailReplay;

/// <summary>Offline variants tried while tuning the service's CF scoring (--tune); docs/behaviour.md lists what each reached.</summary>
public static class Tuning
{
    public static IEnumerable<IScorer> Variants(RetailData data) =>
    [
        new BehaviourScorer("behaviour: similar only (no popularity)", data, new BehaviourOptions(), popularityWeight: 0),
        new BehaviourScorer("behaviour: similar + 0.2 content + 0.5 pop", data, new BehaviourOptions(), contentWeight: 0.2),
        new BehaviourScorer("behaviour: MaxPairsPerItem 1000", data, new BehaviourOptions { MaxPairsPerItem = 1000 }),
        new BehaviourScorer("behaviour: half-life 180 d", data, new BehaviourOptions { HalfLife = TimeSpan.FromDays(180) }),
        new HybridScorer("hybrid: item CF (180 d) + 1.0 user CF + 0.7 pop", new BehaviourScorer("", data, new BehaviourOptions { HalfLife = TimeSpan.FromDays(180) }), new UserCfScorer(), 1.0, 0.7),
        new HybridScorer("hybrid: item CF (defaults) + 1.0 user CF + 0.7 pop", new BehaviourScorer("", data, new BehaviourOptions()), new UserCfScorer(), 1.0, 0.7),
        // How the segment priors count purchases (ItemPriorsFeed): every purchase, or each customer's first of an item.
        new DecayedPopularityScorer(data, halfLifeDays: 30, firstPurchasesOnly: false),
        new DecayedPopularityScorer(data, halfLifeDays: 30, firstPurchasesOnly: true),
        new DecayedPopularityScorer(data, halfLifeDays: 15, firstPurchasesOnly: false),
        new DecayedPopularityScorer(data, halfLifeDays: 15, firstPurchasesOnly: true),
    ];
}

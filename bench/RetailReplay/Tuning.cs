using SegmentService.Api.Behaviour;

namespace RetailReplay;

/// <summary>Offline variants tried while tuning the service's CF scoring (--tune).</summary>
public static class Tuning
{
    public static IEnumerable<IScorer> Variants(RetailData data) =>
    [
        new BehaviourScorer("behaviour: half-life 60 d", data, new BehaviourOptions { HalfLife = TimeSpan.FromDays(60) }),
        new BehaviourScorer("behaviour: half-life 30 d", data, new BehaviourOptions { HalfLife = TimeSpan.FromDays(30) }),
        new BehaviourScorer("behaviour: MaxPairsPerItem 1000", data, new BehaviourOptions { MaxPairsPerItem = 1000 }),
        new BehaviourScorer("behaviour: + 0.3 pop", data, new BehaviourOptions(), popularityWeight: 0.3),
        new HybridScorer("hybrid: item CF + 0.5 user CF + 0.5 pop", new BehaviourScorer("", data, new BehaviourOptions()), new UserCfScorer(), 0.5, 0.5),
        new HybridScorer("hybrid: item CF + 1.0 user CF + 0.5 pop", new BehaviourScorer("", data, new BehaviourOptions()), new UserCfScorer(), 1.0, 0.5),
        new HybridScorer("hybrid: item CF (60 d) + 1.0 user CF + 0.7 pop", new BehaviourScorer("", data, new BehaviourOptions { HalfLife = TimeSpan.FromDays(60) }), new UserCfScorer(), 1.0, 0.7),
    ];
}

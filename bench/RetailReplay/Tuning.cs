using SegmentService.Api.Behaviour;

namespace RetailReplay;

/// <summary>Offline variants tried while tuning the service's CF scoring (--tune).</summary>
public static class Tuning
{
    public static IEnumerable<IScorer> Variants(RetailData data) =>
    [
        new BehaviourScorer("behaviour: similar only (no popularity)", data, new BehaviourOptions(), popularityWeight: 0),
        new BehaviourScorer("behaviour: similar + 0.2 content + 0.5 pop", data, new BehaviourOptions(), contentWeight: 0.2),
        new BehaviourScorer("behaviour: recent 30", data, new BehaviourOptions { RecentItemsPerUser = 30 }),
        new BehaviourScorer("behaviour: half-life 60 d", data, new BehaviourOptions { HalfLife = TimeSpan.FromDays(60) }),
        new BehaviourScorer("behaviour: half-life 3650 d", data, new BehaviourOptions { HalfLife = TimeSpan.FromDays(3650) }),
    ];
}

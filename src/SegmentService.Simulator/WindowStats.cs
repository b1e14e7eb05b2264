namespace SegmentService.Simulator;

/// <summary>
/// One report window. The service's CTR and reward are what shoppers did with what it showed; the random and oracle
/// figures are expectations from the true probabilities: a uniformly random in-stock slate, and the slate of the
/// shopper's most likely clicks.
/// </summary>
internal sealed class WindowStats(double startSeconds)
{
    private readonly Lock _sync = new();

    public double StartSeconds => startSeconds;
    public double EndSeconds { get; set; }
    public int Sessions { get; private set; }
    public long Slots { get; private set; }
    public long Clicks { get; private set; }
    public double Reward { get; private set; }
    public double RandomCtr { get; private set; }
    public double OracleCtr { get; private set; }
    public double RandomReward { get; private set; }
    public double OracleReward { get; private set; }
    public string? Drift { get; set; }
    public HashSet<string> Segments { get; } = new(StringComparer.Ordinal);

    public double Ctr => Slots == 0 ? 0 : (double)Clicks / Slots;
    public double RewardPerSlot => Slots == 0 ? 0 : Reward / Slots;
    public double RandomCtrPerSlot => Sessions == 0 ? 0 : RandomCtr / Sessions;
    public double OracleCtrPerSlot => Sessions == 0 ? 0 : OracleCtr / Sessions;
    public double RandomRewardPerSlot => Sessions == 0 ? 0 : RandomReward / Sessions;
    public double OracleRewardPerSlot => Sessions == 0 ? 0 : OracleReward / Sessions;

    /// <param name="baseline">Per-slot expectations of the random and oracle slates for this shopper now.</param>
    public void Add(int slots, int clicks, double reward, Baseline baseline, string? segment)
    {
        lock (_sync)
        {
            Sessions++;
            Slots += slots;
            Clicks += clicks;
            Reward += reward;
            RandomCtr += baseline.RandomCtr;
            OracleCtr += baseline.OracleCtr;
            RandomReward += baseline.RandomReward;
            OracleReward += baseline.OracleReward;
            if (segment is not null)
            {
                Segments.Add(segment);
            }
        }
    }
}

internal readonly record struct Baseline(double RandomCtr, double OracleCtr, double RandomReward, double OracleReward)
{
    public static Baseline For(Shop shop, Shopper shopper, int slate, double clickReward, double purchaseReward)
    {
        var items = shop.InStock;
        var clicks = new double[items.Count];
        var rewards = new double[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            clicks[i] = shop.ClickProbability(shopper, items[i]);
            rewards[i] = shop.ExpectedReward(shopper, items[i], clickReward, purchaseReward);
        }
        var k = Math.Min(slate, items.Count);
        return new Baseline(
            clicks.Average(),
            clicks.OrderDescending().Take(k).Average(),
            rewards.Average(),
            rewards.OrderDescending().Take(k).Average());
    }
}

using System.ComponentModel.DataAnnotations;

namespace SegmentService.Api.Policy;

public enum ExplorationKind
{
    /// <summary>Optimism in the face of uncertainty: mean + Policy:Optimism · √(variance · ln(1 + segment impressions) / weight), mixed with ε.</summary>
    Ucb,
    EpsilonGreedy,
    Softmax,
}

/// <summary>The policy's settings (section "Policy"); every value is checked at start-up.</summary>
public sealed class PolicyOptions : IValidatableObject
{
    public const string Section = "Policy";

    /// <summary>Ucb (default), EpsilonGreedy or Softmax.</summary>
    public ExplorationKind Exploration { get; set; } = ExplorationKind.Ucb;

    /// <summary>Probability of a uniformly random pick per slot (Ucb and EpsilonGreedy); it keeps every propensity positive.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Policy:Epsilon must be from 0 to 1.")]
    public double Epsilon { get; set; } = 0.02;

    /// <summary>Ucb: the weight c of the optimism bonus, in standard deviations of a segment's reward per impression.</summary>
    [Range(0.0, 100.0, ErrorMessage = "Policy:Optimism must be from 0 to 100.")]
    public double Optimism { get; set; } = 0.5;

    /// <summary>
    /// Ucb: how many slots of a slate the optimism bonus may fill. The other slots go to the best items by Q_served, so
    /// exploring costs a bounded part of every slate however many items are still untried.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Policy:ExplorationSlots must be from 1 to 1000.")]
    public int ExplorationSlots { get; set; } = 2;

    /// <summary>Softmax temperature τ, in reward units.</summary>
    [Range(1e-6, 1e6, ErrorMessage = "Policy:Temperature must be from 0.000001 to 1000000.")]
    public double Temperature { get; set; } = 0.1;

    /// <summary>η_min: the step size never falls below it, so a cell averages over its last ~1/η_min impressions and tracks drift.</summary>
    [Range(1e-6, 1.0, ErrorMessage = "Policy:LearningRate must be greater than 0 and at most 1.")]
    public double LearningRate { get; set; } = 0.02;

    /// <summary>γ: 0 makes the policy a contextual bandit (see docs/policy.md for when γ > 0 helps).</summary>
    [Range(0.0, 0.999, ErrorMessage = "Policy:Discount must be from 0 to 0.999.")]
    public double Discount { get; set; }

    /// <summary>Feedback later than this after the recommendation is refused; what came back by then is the impression's reward.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Policy:RewardWindow must be from 1 second to 7 days.")]
    public TimeSpan RewardWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long after its window closes an impression is settled: covers the impression buffer's flush, an in-flight
    /// feedback write and clock skew between replicas, so every replica settles the same rows.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Policy:SettleDelay must be from 0 to 1 hour.")]
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(5);
    public RewardOptions Rewards { get; set; } = new();

    /// <summary>Database (default): reward windows are judged by PostgreSQL's clock inside the write; Process: by this replica's clock.</summary>
    public WindowClock WindowClock { get; set; } = WindowClock.Database;

    public LearningRule Rule() => new(PriorImpressions, LearningRate);

    /// <summary>Reward per impression assumed where neither the segment nor the shop has settled anything yet.</summary>
    [Range(-1000.0, 1000.0, ErrorMessage = "Policy:DefaultPrior must be from -1000 to 1000.")]
    public double DefaultPrior { get; set; } = 0.05;

    /// <summary>k: how many impressions a prior is worth; real outcomes outweigh it after a few.</summary>
    [Range(0.01, 1e6, ErrorMessage = "Policy:PriorImpressions must be from 0.01 to 1000000.")]
    public double PriorImpressions { get; set; } = 3;

    /// <summary>
    /// How many impressions the blend's prior (the segment's own value is right, the user's sources add nothing) is
    /// worth, at a typical item: its regression on the shown items' rewards outweighs it after a few times that many.
    /// </summary>
    [Range(0.01, 1e6, ErrorMessage = "Policy:BlendPriorImpressions must be from 0.01 to 1000000.")]
    public double BlendPriorImpressions { get; set; } = 5;

    /// <summary>c of the blend weights' exploration bonus (the items' own is Policy:Optimism); 0: sources are not explored for their own sake.</summary>
    [Range(0.0, 100.0, ErrorMessage = "Policy:BlendOptimism must be from 0 to 100.")]
    public double BlendOptimism { get; set; } = 0.5;

    /// <summary>How many standard errors above 0 a source's coefficient must be before the source adds to served values (its optimism still explores it).</summary>
    [Range(0.0, 10.0, ErrorMessage = "Policy:BlendServedMargin must be from 0 to 10.")]
    public double BlendServedMargin { get; set; } = 1;

    /// <summary>Least slope of the reward on the segment's own value the blend divides by.</summary>
    [Range(0.01, 1.0, ErrorMessage = "Policy:BlendMinSegmentSlope must be from 0.01 to 1.")]
    public double BlendMinSegmentSlope { get; set; } = 1;

    /// <summary>About how many of a segment's most recent shown items the blend's regression remembers (older ones fade).</summary>
    [Range(100.0, 1e9, ErrorMessage = "Policy:BlendMemory must be from 100 to 1000000000.")]
    public double BlendMemory { get; set; } = 50_000;

    /// <summary>Age at which a behaviour event counts half in the priors.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00", ErrorMessage = "Policy:PriorHalfLife must be from 1 minute to 3650 days.")]
    public TimeSpan PriorHalfLife { get; set; } = TimeSpan.FromDays(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Policy:SnapshotInterval must be from 1 second to 1 day.")]
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often closed windows are settled into the table (every replica reads the same log).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Policy:SweepInterval must be from 10 ms to 1 hour.")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most impressions waiting to be written; past it an impression is not logged (counted) and its feedback answers 404.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Policy:MaxBufferedImpressions must be from 1 to 10000000.")]
    public int MaxBufferedImpressions { get; set; } = 100_000;

    /// <summary>Most open impressions kept in memory for feedback lookups and pending counts; older ones are read from the database.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Policy:MaxOpenImpressions must be from 1 to 10000000.")]
    public int MaxOpenImpressions { get; set; } = 200_000;

    /// <summary>Group commits in flight at once (each a loop taking whatever feedback has queued).</summary>
    [Range(1, 16, ErrorMessage = "Policy:FeedbackWriters must be from 1 to 16.")]
    public int FeedbackWriters { get; set; } = 2;

    /// <summary>Most feedback rows written in one group commit.</summary>
    [Range(1, 100_000, ErrorMessage = "Policy:FeedbackBatchSize must be from 1 to 100000.")]
    public int FeedbackBatchSize { get; set; } = 1000;

    /// <summary>
    /// How long the behaviour events of committed feedback wait for more before they are written together (they are
    /// written behind the answer either way). Longer: fewer, larger writes and neighbour refreshes; 0: at once.
    /// The reward itself counts in the Q-table at its commit; only the behaviour record (profile, neighbours) waits.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10", ErrorMessage = "Policy:FeedbackEventsLinger must be from 0 to 10 seconds.")]
    public TimeSpan FeedbackEventsLinger { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most feedback rows waiting for a group commit; past it feedback answers 503 with Retry-After (the database is not keeping up).</summary>
    [Range(1, 10_000_000, ErrorMessage = "Policy:MaxQueuedFeedback must be from 1 to 10000000.")]
    public int MaxQueuedFeedback { get; set; } = 50_000;

    /// <summary>Most committed feedback rows whose behaviour events wait to be written; past it those events are shed (counted).</summary>
    [Range(1, 10_000_000, ErrorMessage = "Policy:MaxQueuedFeedbackEvents must be from 1 to 10000000.")]
    public int MaxQueuedFeedbackEvents { get; set; } = 100_000;

    /// <summary>
    /// Most settled (segment, item) cells one Q-table row keeps; past it the cells with the least evidence outside the
    /// row's better half are evicted and start again from their priors (<see cref="CellBudget"/>). Set it above the
    /// items a segment is shown.
    /// </summary>
    [Range(16, 10_000_000, ErrorMessage = "Policy:MaxCellsPerSegment must be from 16 to 10000000.")]
    public int MaxCellsPerSegment { get; set; } = 100_000;

    /// <summary>Most (segment, item) affinity cells the priors keep per segment (and shop-wide); past it the weakest are dropped.</summary>
    [Range(16, 10_000_000, ErrorMessage = "Policy:MaxPriorItemsPerSegment must be from 16 to 10000000.")]
    public int MaxPriorItemsPerSegment { get; set; } = 100_000;

    /// <summary>Seeds the exploration random source (reproducible runs); unset: a shared, unseeded source.</summary>
    public int? Seed { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
        {
            ("Click", Rewards.Click), ("AddToCart", Rewards.AddToCart), ("Purchase", Rewards.Purchase), ("Default", Rewards.Default),
        })
        {
            if (!double.IsFinite(value) || Math.Abs(value) > 1e6)
            {
                yield return new ValidationResult($"Policy:Rewards:{name} must be a finite number from -1000000 to 1000000.", [nameof(Rewards)]);
            }
        }
        if (!Enum.IsDefined(WindowClock))
        {
            yield return new ValidationResult("Policy:WindowClock must be Database or Process.", [nameof(WindowClock)]);
        }
        if (!Enum.IsDefined(Exploration))
        {
            yield return new ValidationResult("Policy:Exploration must be Ucb, EpsilonGreedy or Softmax.", [nameof(Exploration)]);
        }
    }
}

/// <summary>Reward per feedback type (section "Policy:Rewards").</summary>
public sealed class RewardOptions
{
    public double Click { get; set; } = 1;
    public double AddToCart { get; set; } = 2;
    public double Purchase { get; set; } = 5;

    /// <summary>The reward of a shown item that got no feedback within the reward window.</summary>
    public double Default { get; set; }

    /// <summary>The one table of rewards by feedback type (feedback, priors and the sweeper all read it).</summary>
    public double Of(FeedbackType type) => type switch
    {
        FeedbackType.Click => Click,
        FeedbackType.AddToCart => AddToCart,
        FeedbackType.Purchase => Purchase,
        _ => 0,
    };
}

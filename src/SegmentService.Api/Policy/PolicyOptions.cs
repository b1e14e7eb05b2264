using System.ComponentModel.DataAnnotations;

namespace SegmentService.Api.Policy;

public enum ExplorationKind
{
    EpsilonGreedy,
    Softmax,
}

/// <summary>The Q-learning policy's settings (section "Policy"); every value is checked at start-up.</summary>
public sealed class PolicyOptions : IValidatableObject
{
    public const string Section = "Policy";

    /// <summary>EpsilonGreedy (default) or Softmax.</summary>
    public ExplorationKind Exploration { get; set; } = ExplorationKind.EpsilonGreedy;

    /// <summary>Probability of a uniformly random pick per slot under epsilon-greedy.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Policy:Epsilon must be from 0 to 1.")]
    public double Epsilon { get; set; } = 0.1;

    /// <summary>Softmax temperature τ, in reward units.</summary>
    [Range(1e-6, 1e6, ErrorMessage = "Policy:Temperature must be from 0.000001 to 1000000.")]
    public double Temperature { get; set; } = 0.1;

    /// <summary>η: constant, so the policy keeps tracking drift.</summary>
    [Range(1e-6, 1.0, ErrorMessage = "Policy:LearningRate must be greater than 0 and at most 1.")]
    public double LearningRate { get; set; } = 0.1;

    /// <summary>γ: 0 makes the policy a contextual bandit.</summary>
    [Range(0.0, 0.999, ErrorMessage = "Policy:Discount must be from 0 to 0.999.")]
    public double Discount { get; set; }

    /// <summary>Feedback later than this after the recommendation is refused; unrewarded items then get the default reward.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Policy:RewardWindow must be from 1 second to 7 days.")]
    public TimeSpan RewardWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// γ > 0: how long a reward waits for its user's next recommendation (which supplies s') before its
    /// γ·max_a' Q[s',a'] part is dropped.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Policy:BootstrapWindow must be from 1 second to 30 days.")]
    public TimeSpan BootstrapWindow { get; set; } = TimeSpan.FromDays(1);

    public RewardOptions Rewards { get; set; } = new();

    /// <summary>Q of an item with no value and no engagement history anywhere.</summary>
    [Range(-1000.0, 1000.0, ErrorMessage = "Policy:DefaultPrior must be from -1000 to 1000.")]
    public double DefaultPrior { get; set; }

    /// <summary>How many pseudo-events pull a segment's item rate towards the global rate (and that towards DefaultPrior).</summary>
    [Range(0.0, 1e6, ErrorMessage = "Policy:PriorStrength must be from 0 to 1000000.")]
    public double PriorStrength { get; set; } = 5;

    /// <summary>Age at which a behaviour event counts half in the priors.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00", ErrorMessage = "Policy:PriorHalfLife must be from 1 minute to 3650 days.")]
    public TimeSpan PriorHalfLife { get; set; } = TimeSpan.FromDays(7);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Policy:SnapshotInterval must be from 1 second to 1 day.")]
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Policy:SweepInterval must be from 10 ms to 1 hour.")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a replica applies the feedback other replicas logged (for segments it takes no feedback for).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Policy:FollowInterval must be from 10 ms to 1 hour.")]
    public TimeSpan FollowInterval { get; set; } = TimeSpan.FromSeconds(1);

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
        if (!Enum.IsDefined(Exploration))
        {
            yield return new ValidationResult("Policy:Exploration must be EpsilonGreedy or Softmax.", [nameof(Exploration)]);
        }
    }
}

/// <summary>Reward per feedback type (section "Policy:Rewards").</summary>
public sealed class RewardOptions
{
    public double Click { get; set; } = 1;
    public double AddToCart { get; set; } = 2;
    public double Purchase { get; set; } = 5;

    /// <summary>Given once to a shown item that got no feedback within the reward window.</summary>
    public double Default { get; set; }
}

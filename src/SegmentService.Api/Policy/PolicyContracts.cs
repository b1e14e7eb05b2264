namespace SegmentService.Api.Policy;

/// <summary>The Q-table at a glance.</summary>
/// <param name="PolicyVersion"><example>17</example></param>
/// <param name="Exploration">How the live policy explores.</param>
/// <param name="LearningRate">η_min, the floor of the step size. <example>0.02</example></param>
/// <param name="Discount">γ. <example>0</example></param>
/// <param name="Segments">One entry per segment with a Q-row, by key.</param>
public sealed record PolicySummary(
    long PolicyVersion, ExplorationSetting Exploration, double LearningRate, double Discount, IReadOnlyList<SegmentPolicy> Segments);

/// <summary>The exploration strategy and its parameters.</summary>
/// <param name="Strategy">ucb, epsilon-greedy or softmax. <example>ucb</example></param>
/// <param name="Epsilon">Per-slot rate of uniformly random picks (ucb and epsilon-greedy). <example>0.05</example></param>
/// <param name="Temperature">τ (softmax). <example>0.1</example></param>
/// <param name="Optimism">c, the weight of the UCB bonus. <example>0.25</example></param>
/// <param name="ExplorationSlots">ucb: how many slots of a slate the bonus may fill; the rest go to the best items by Q. <example>2</example></param>
public sealed record ExplorationSetting(string Strategy, double Epsilon, double Temperature, double Optimism, int ExplorationSlots)
{
    public static ExplorationSetting From(PolicyOptions options) =>
        new(options.Exploration switch
        {
            ExplorationKind.Softmax => "softmax",
            ExplorationKind.EpsilonGreedy => "epsilon-greedy",
            _ => "ucb",
        }, options.Epsilon, options.Temperature, options.Optimism, options.ExplorationSlots);
}

/// <summary>One segment's row: its best items.</summary>
/// <param name="Key"><example>seg-3</example></param>
/// <param name="Items">Items with a settled or pending value. <example>42</example></param>
/// <param name="Visits">Settled impressions of the segment. <example>1234</example></param>
/// <param name="MeanReward">Settled reward per impression of the segment. <example>0.06</example></param>
/// <param name="TopItems">Highest served Q first.</param>
/// <param name="Sources">What each of the user's own candidate sources (`similar`, `content`) earned in the segment and the weight the blend gives it now.</param>
/// <param name="Blend">The blend's regression of shown items' rewards on their features in this segment.</param>
public sealed record SegmentPolicy(
    string Key, int Items, long Visits, double MeanReward, IReadOnlyList<ItemValue> TopItems, IReadOnlyList<SourceValue> Sources, BlendFit Blend);

/// <summary>
/// The blend's fit in one segment: reward ≈ intercept + segmentValue · b + Σ_src coefficient_src · x_src over the
/// segment's shown items (b: the item's served value before the blend; x_src: a source's affinity relative to its
/// typical proposal, 0 when it did not propose the item). Each source's coefficient is in <see cref="SourceValue"/>.
/// </summary>
/// <param name="Intercept"><example>0.01</example></param>
/// <param name="SegmentValue">The coefficient of b: 1 when the segment's values are calibrated. <example>0.8</example></param>
/// <param name="ShownItems">Shown items behind the fit (settled, recent ones counting more, plus this replica's open ones). <example>5200</example></param>
public sealed record BlendFit(double Intercept, double SegmentValue, double ShownItems);

/// <summary>A candidate source's learnt value in one segment: the reward per impression of the items it proposed when shown.</summary>
/// <param name="Source">`similar` or `content`. <example>similar</example></param>
/// <param name="Q">Served mean reward per impression of the items the source proposed (starts at the segment's level). <example>0.31</example></param>
/// <param name="Visits">Settled impressions of items the source proposed. <example>420</example></param>
/// <param name="Pending">Such impressions shown by this replica whose window is still open. <example>12</example></param>
/// <param name="Coefficient">The blend's estimate of what the source's affinity adds to an item's reward per impression beyond the segment's own value (per unit of relative affinity). <example>0.09</example></param>
/// <param name="Weight">What the source adds now to the served value of an item it proposes with relative affinity 1: its coefficient over the segment value's slope, 0 when negative. <example>0.3</example></param>
/// <param name="SelectionWeight">What it adds to such an item's selection score, which ranks the exploration slots: the optimism on its coefficient beyond the served weight (the served weight ranks the greedy slots, through the item's value). <example>0.04</example></param>
public sealed record SourceValue(string Source, double Q, long Visits, double Pending, double Coefficient, double Weight, double SelectionWeight);

/// <summary>An item's learnt value.</summary>
/// <param name="ItemId"><example>sku-9</example></param>
/// <param name="Q">Served mean reward per impression: settled value blended with this replica's pending outcomes. <example>0.42</example></param>
/// <param name="Visits">Settled impressions. <example>17</example></param>
/// <param name="Pending">Impressions shown by this replica whose window is still open. <example>3</example></param>
public sealed record ItemValue(string ItemId, double Q, long Visits, double Pending);

/// <summary>Off-policy estimates, on the impressions logged in [from, to), of the policy that was in force at `from`.</summary>
/// <param name="From">Start of the window (inclusive).</param>
/// <param name="To">End of the window (exclusive).</param>
/// <param name="PolicyVersion">The snapshot evaluated: the latest taken at or before `from` (0: none, priors only). <example>17</example></param>
/// <param name="PolicyTakenAt">When that snapshot was taken.</param>
/// <param name="Impressions">Impressions (slates) used. <example>1000</example></param>
/// <param name="Decisions">Slots used (one logged decision each). <example>10000</example></param>
/// <param name="LoggedMeanReward">The logging policy's own mean reward per slot. <example>0.05</example></param>
/// <param name="Estimator">How slates are weighted. <example>slate IPS with cumulative per-slot ratios (and its self-normalised form)</example></param>
/// <param name="Greedy">That table, always exploiting.</param>
/// <param name="Exploring">That table with the configured exploration.</param>
public sealed record PolicyEvaluation(
    DateTimeOffset From, DateTimeOffset To, long PolicyVersion, DateTimeOffset? PolicyTakenAt, int Impressions, int Decisions,
    double LoggedMeanReward, string Estimator, EstimateValues Greedy, EstimateValues Exploring);

/// <summary>IPS and self-normalised IPS of the mean reward per slot, with standard errors.</summary>
/// <param name="Ips"><example>0.07</example></param>
/// <param name="IpsStandardError"><example>0.01</example></param>
/// <param name="Snips"><example>0.068</example></param>
/// <param name="SnipsStandardError"><example>0.008</example></param>
public sealed record EstimateValues(double Ips, double IpsStandardError, double Snips, double SnipsStandardError);

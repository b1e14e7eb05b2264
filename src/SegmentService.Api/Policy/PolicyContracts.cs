namespace SegmentService.Api.Policy;

/// <summary>The Q-table at a glance.</summary>
/// <param name="PolicyVersion"><example>17</example></param>
/// <param name="Exploration">How the live policy explores.</param>
/// <param name="LearningRate">η. <example>0.1</example></param>
/// <param name="Discount">γ. <example>0</example></param>
/// <param name="Segments">One entry per segment with a Q-row, by key.</param>
public sealed record PolicySummary(
    long PolicyVersion, ExplorationSetting Exploration, double LearningRate, double Discount, IReadOnlyList<SegmentPolicy> Segments);

/// <summary>The exploration strategy and its parameter.</summary>
/// <param name="Strategy">epsilon-greedy or softmax. <example>epsilon-greedy</example></param>
/// <param name="Epsilon">Per-slot exploration rate (epsilon-greedy). <example>0.1</example></param>
/// <param name="Temperature">τ (softmax). <example>0.1</example></param>
public sealed record ExplorationSetting(string Strategy, double Epsilon, double Temperature)
{
    public static ExplorationSetting From(PolicyOptions options) =>
        new(options.Exploration == ExplorationKind.Softmax ? "softmax" : "epsilon-greedy", options.Epsilon, options.Temperature);
}

/// <summary>One segment's row: its best items.</summary>
/// <param name="Key"><example>seg-3</example></param>
/// <param name="Items">Items with a learnt value. <example>42</example></param>
/// <param name="Visits">Updates applied to the row. <example>1234</example></param>
/// <param name="TopItems">Highest Q first.</param>
public sealed record SegmentPolicy(string Key, int Items, long Visits, IReadOnlyList<ItemValue> TopItems);

/// <summary>An item's learnt value.</summary>
/// <param name="ItemId"><example>sku-9</example></param>
/// <param name="Q"><example>0.42</example></param>
/// <param name="Visits"><example>17</example></param>
public sealed record ItemValue(string ItemId, double Q, long Visits);

/// <summary>Off-policy estimates of the current policy's mean reward per shown slot on logged impressions.</summary>
/// <param name="From">Start of the window (inclusive).</param>
/// <param name="To">End of the window (exclusive).</param>
/// <param name="Impressions">Impressions used. <example>1000</example></param>
/// <param name="Decisions">Slots used (one logged decision each). <example>10000</example></param>
/// <param name="LoggedMeanReward">The logged policy's own mean reward per slot. <example>0.05</example></param>
/// <param name="Greedy">The current Q-table, always exploiting.</param>
/// <param name="Exploring">The current Q-table with the configured exploration.</param>
public sealed record PolicyEvaluation(
    DateTimeOffset From, DateTimeOffset To, int Impressions, int Decisions, double LoggedMeanReward,
    EstimateValues Greedy, EstimateValues Exploring);

/// <summary>IPS and self-normalised IPS.</summary>
/// <param name="Ips"><example>0.07</example></param>
/// <param name="Snips"><example>0.068</example></param>
public sealed record EstimateValues(double Ips, double Snips);

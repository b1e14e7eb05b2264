namespace SegmentService.Api.Policy;

/// <summary>
/// The update rule, in one place. Q[s,a] estimates the expected reward per impression of item a shown to segment s.
/// A cell starts at its prior p, worth k = Policy:PriorImpressions impressions. Each settled impression with total
/// reward r (click and purchase add up; nothing came back: Policy:Rewards:Default) moves it:
/// <code>
///   Q ← Q + η_n (r − Q),   η_n = max(1 / (k + n + 1), η_min)
/// </code>
/// with n the impressions settled so far and η_min = Policy:LearningRate. While 1/(k+n+1) ≥ η_min this is the exact
/// running mean (k·p + Σr) / (k + n); after about 1/η_min impressions it becomes an exponential average over the last
/// ~1/η_min impressions, so the cell keeps tracking drift. Impressions are folded in impression order (created_at,
/// recommendation id) once their window has closed, so the table does not depend on the order outcomes arrive in.
/// </summary>
public sealed class LearningRule(double priorImpressions, double learningRateFloor)
{
    public double PriorImpressions { get; } = priorImpressions;

    public double LearningRateFloor { get; } = learningRateFloor;

    /// <summary>The most evidence a settled value carries: k + n until the floor takes over, then 1/η_min.</summary>
    public double SettledWeight(long impressions) =>
        Math.Min(PriorImpressions + impressions, Math.Max(1 / LearningRateFloor, PriorImpressions));

    public double StepSize(long settledImpressions) =>
        Math.Max(1 / (PriorImpressions + settledImpressions + 1), LearningRateFloor);

    public QCell Fold(QCell cell, double prior, double reward)
    {
        var value = cell.Impressions > 0 ? cell.Value : prior;
        value += StepSize(cell.Impressions) * (reward - value);
        return cell with { Value = value, Impressions = cell.Impressions + 1 };
    }

    /// <summary>
    /// The served mean: the settled value (or the prior) with its weight, plus this replica's pending impressions and
    /// rewards, as if they were settled now as a running mean. It equals the settled result exactly while the cell is in
    /// its running-mean phase and every pending reward has arrived.
    /// </summary>
    public CellEstimate Serve(QCell cell, double prior)
    {
        var settled = cell.Impressions > 0;
        var weight = SettledWeight(cell.Impressions);
        var value = settled ? cell.Value : prior;
        var total = weight + cell.PendingImpressions;
        var mean = (value * weight + cell.PendingReward) / total;
        return new CellEstimate(mean, total, settled || cell.PendingImpressions > 0);
    }
}

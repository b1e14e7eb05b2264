using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Recommendations;

/// <summary>A ranked slate for one user.</summary>
/// <param name="RecommendationId">Quote it in feedback. <example>r-0193a6f0c1b27c3e9d4f5a6b7c8d9e0f</example></param>
/// <param name="UserId">The user asked about. <example>u42</example></param>
/// <param name="Segment">The user's segment, whose Q-row ranked the items.</param>
/// <param name="PolicyVersion">Rises with each policy snapshot and segmentation change. <example>17</example></param>
/// <param name="Items">Distinct items, best slot first.</param>
public sealed record RecommendResponse(
    string RecommendationId, string UserId, SegmentRef Segment, long PolicyVersion, IReadOnlyList<RecommendedItem> Items);

/// <summary>One recommended item.</summary>
/// <param name="ItemId"><example>sku-9</example></param>
/// <param name="Score">The segment's estimated reward per impression of the item (Q, or its prior). <example>0.42</example></param>
/// <param name="Propensity">Probability that the policy put this item in this slot, given the slot's remaining candidates. <example>0.93</example></param>
/// <param name="Explored">True when the item is not in the greedy slate (the best estimates): chosen for its uncertainty or at random. <example>false</example></param>
/// <param name="Source">Which candidate source proposed it: `segment` (the segment's learnt values), `similar` (item-to-item CF from the user's recent items), `content` (attribute match with the user's profile) or `explore`. An item the segment's own scores would have put in the slate anyway is `segment` (or `explore`) even when a user source also proposed it. <example>segment</example></param>
public sealed record RecommendedItem(string ItemId, double Score, double Propensity, bool Explored, string Source)
{
    public const string SegmentSource = "segment";
    public const string ExploreSource = "explore";
}

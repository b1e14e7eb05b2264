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
/// <param name="Score">The item's Q-value (or prior) for the segment. <example>0.42</example></param>
/// <param name="Propensity">Probability that the policy put this item in this slot, given the slot's remaining candidates. <example>0.93</example></param>
/// <param name="Explored">True when the item is not the greedy choice for its slot. <example>false</example></param>
public sealed record RecommendedItem(string ItemId, double Score, double Propensity, bool Explored);

namespace SegmentService.Api.Feedback;

/// <summary>A click on a recommended item.</summary>
/// <param name="RecommendationId">From the /recommend answer. <example>r-0193a6f0c1b27c3e9d4f5a6b7c8d9e0f</example></param>
/// <param name="ItemId">An item of that recommendation. <example>sku-9</example></param>
public sealed record ClickFeedbackRequest(string RecommendationId, string ItemId);

/// <summary>A purchase of a recommended item.</summary>
/// <param name="RecommendationId">From the /recommend answer. <example>r-0193a6f0c1b27c3e9d4f5a6b7c8d9e0f</example></param>
/// <param name="ItemId">An item of that recommendation. <example>sku-9</example></param>
/// <param name="Amount">Line amount, ≥ 0. <example>49.0</example></param>
public sealed record PurchaseFeedbackRequest(string RecommendationId, string ItemId, decimal? Amount);

/// <summary>Whether the reward was applied now (false: it had been applied before).</summary>
/// <param name="Applied"><example>true</example></param>
/// <param name="Reward">The reward of this feedback type. <example>1.0</example></param>
/// <param name="RecommendationId"><example>r-0193a6f0c1b27c3e9d4f5a6b7c8d9e0f</example></param>
/// <param name="ItemId"><example>sku-9</example></param>
public sealed record FeedbackResponse(bool Applied, double Reward, string RecommendationId, string ItemId);

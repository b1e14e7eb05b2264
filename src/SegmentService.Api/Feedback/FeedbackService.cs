using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SegmentService.Api.Events;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;

namespace SegmentService.Api.Feedback;

public enum FeedbackOutcome
{
    Applied,
    Repeat,
    UnknownRecommendation,
    ItemNotInRecommendation,
    WindowClosed,
}

public readonly record struct FeedbackResult(FeedbackOutcome Outcome, double Reward, DateTimeOffset? ClosedAt = null);

/// <summary>Checks feedback against its impression and window, applies the reward once, and records the matching behaviour event once.</summary>
public sealed class FeedbackService(
    ImpressionLog impressions,
    PolicyLearner learner,
    EventWriter events,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider)
{
    private readonly PolicyOptions _options = options.Value;

    public double RewardOf(FeedbackType type) => type switch
    {
        FeedbackType.Click => _options.Rewards.Click,
        FeedbackType.AddToCart => _options.Rewards.AddToCart,
        FeedbackType.Purchase => _options.Rewards.Purchase,
        _ => _options.Rewards.Default,
    };

    public async Task<FeedbackResult> ApplyAsync(
        string recommendationId, string itemId, FeedbackType type, decimal? amount, CancellationToken cancellationToken)
    {
        var reward = RewardOf(type);
        if (await impressions.FindAsync(recommendationId, cancellationToken) is not { } impression)
        {
            return new(FeedbackOutcome.UnknownRecommendation, reward);
        }
        if (Array.IndexOf(impression.ItemIds, itemId) < 0)
        {
            return new(FeedbackOutcome.ItemNotInRecommendation, reward);
        }
        var closesAt = impression.CreatedAt + _options.RewardWindow;
        // Checked again under the segment's gate, so it cannot interleave with the sweeper's default reward.
        bool Open() => timeProvider.GetUtcNow() < closesAt;
        if (!Open())
        {
            return new(FeedbackOutcome.WindowClosed, reward, closesAt);
        }
        var applied = await learner.ApplyAsync(
            impression.SegmentKey,
            [new RewardInput(recommendationId, impression.UserId, itemId, type, reward, amount)],
            Open,
            onlyIfNoFeedback: false,
            cancellationToken);
        if (applied is null)
        {
            return new(FeedbackOutcome.WindowClosed, reward, closesAt);
        }
        // Idempotent by a deterministic event id, so a retry after a crash between the two writes still records it once.
        var eventType = type == FeedbackType.Purchase ? EventType.Purchase : type == FeedbackType.AddToCart ? EventType.AddToCart : EventType.Click;
        await events.WriteAsync(
            [new ValidEvent(EventIdFor(recommendationId, itemId, type), impression.UserId, eventType, itemId,
                timeProvider.GetUtcNow(), amount, null, null, "feedback")],
            cancellationToken);
        return new(applied.Count > 0 ? FeedbackOutcome.Applied : FeedbackOutcome.Repeat, reward);
    }

    /// <summary>"fb-" and 40 hex digits of SHA-256 over (recommendation, item, type): within the 128-character id limit.</summary>
    public static string EventIdFor(string recommendationId, string itemId, FeedbackType type)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{recommendationId}\n{itemId}\n{(short)type}"));
        return "fb-" + Convert.ToHexStringLower(hash)[..40];
    }
}

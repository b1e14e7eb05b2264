using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SegmentService.Api.Events;
using SegmentService.Api.Policy;

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

/// <summary>Checks feedback against its impression and window and logs the reward once (<see cref="OutcomeLog"/>, group-committed).</summary>
public sealed class FeedbackService(
    ImpressionLog impressions,
    OutcomeLog outcomes,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider)
{
    private readonly PolicyOptions _options = options.Value;

    public async Task<FeedbackResult> ApplyAsync(
        string recommendationId, string itemId, FeedbackType type, decimal? amount, CancellationToken cancellationToken)
    {
        var reward = _options.Rewards.Of(type);
        if (await impressions.FindAsync(recommendationId, cancellationToken) is not { } impression)
        {
            return new(FeedbackOutcome.UnknownRecommendation, reward);
        }
        if (Array.IndexOf(impression.ItemIds, itemId) < 0)
        {
            return new(FeedbackOutcome.ItemNotInRecommendation, reward);
        }
        await impressions.EnsureWrittenAsync(recommendationId, cancellationToken);
        // Policy:SettleDelay after this the sweeper settles the impression; a row written by then is always included.
        var closesAt = impression.CreatedAt + _options.RewardWindow;
        if (timeProvider.GetUtcNow() >= closesAt)
        {
            return new(FeedbackOutcome.WindowClosed, reward, closesAt);
        }
        var applied = await outcomes.RecordAsync(new FeedbackRecord(impression, itemId, type, reward, amount), cancellationToken);
        return new(applied ? FeedbackOutcome.Applied : FeedbackOutcome.Repeat, reward);
    }

    /// <summary>"fb-" and 40 hex digits of SHA-256 over (recommendation, item, type): within the 128-character id limit.</summary>
    public static string EventIdFor(string recommendationId, string itemId, FeedbackType type)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{recommendationId}\n{itemId}\n{(short)type}"));
        return "fb-" + Convert.ToHexStringLower(hash)[..40];
    }
}

/// <summary>Records each new reward as the matching behaviour event, one batch per group commit (idempotent by a deterministic id).</summary>
public sealed class FeedbackEvents(EventWriter events, TimeProvider timeProvider) : IFeedbackCommittedObserver
{
    public async Task OnFeedbackCommittedAsync(IReadOnlyList<FeedbackRecord> applied, CancellationToken cancellationToken)
    {
        if (applied.Count == 0)
        {
            return;
        }
        var now = timeProvider.GetUtcNow();
        await events.WriteAsync(
            [.. applied.Select(f => new ValidEvent(
                FeedbackService.EventIdFor(f.Impression.RecommendationId, f.ItemId, f.Type), f.Impression.UserId, EventTypeOf(f.Type),
                f.ItemId, now, f.Amount, null, null, "feedback"))],
            cancellationToken);
    }

    public static FeedbackType FeedbackTypeOf(EventType type) => type switch
    {
        EventType.Purchase => FeedbackType.Purchase,
        EventType.AddToCart => FeedbackType.AddToCart,
        _ => FeedbackType.Click,
    };

    public static EventType EventTypeOf(FeedbackType type) => type switch
    {
        FeedbackType.Purchase => EventType.Purchase,
        FeedbackType.AddToCart => EventType.AddToCart,
        _ => EventType.Click,
    };
}

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
    Overloaded,
}

public readonly record struct FeedbackResult(FeedbackOutcome Outcome, double Reward, DateTimeOffset? ClosedAt = null);

/// <summary>Checks feedback against its impression and window and logs the reward once (<see cref="OutcomeLog"/>, group-committed).</summary>
public sealed class FeedbackService(
    ImpressionLog impressions,
    OutcomeLog outcomes,
    IOptions<PolicyOptions> options)
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
        // The write decides whether the window is still open, by the database's clock (Policy:WindowClock): a replica's
        // own clock would let a skewed replica apply a click beside another replica's settled default reward.
        return await outcomes.RecordAsync(new FeedbackRecord(impression, itemId, type, reward, amount), cancellationToken) switch
        {
            RecordOutcome.Applied => new(FeedbackOutcome.Applied, reward),
            RecordOutcome.Repeat => new(FeedbackOutcome.Repeat, reward),
            RecordOutcome.Overloaded => new(FeedbackOutcome.Overloaded, reward),
            _ => new(FeedbackOutcome.WindowClosed, reward, impression.CreatedAt + _options.RewardWindow),
        };
    }

    /// <summary>"fb-" and 40 hex digits of SHA-256 over (recommendation, item, type): within the 128-character id limit.</summary>
    public static string EventIdFor(string recommendationId, string itemId, FeedbackType type)
    {
        // Ids are at most 128 characters each (InputRules), so the UTF-8 input fits the stack; same bytes as
        // "{recommendationId}\n{itemId}\n{(short)type}".
        var typeText = ((short)type).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var length = Encoding.UTF8.GetMaxByteCount(recommendationId.Length + itemId.Length + typeText.Length + 2);
        var input = length <= 2048 ? stackalloc byte[length] : new byte[length];
        var n = Encoding.UTF8.GetBytes(recommendationId, input);
        input[n++] = (byte)'\n';
        n += Encoding.UTF8.GetBytes(itemId, input[n..]);
        input[n++] = (byte)'\n';
        n += Encoding.UTF8.GetBytes(typeText, input[n..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..n], hash);
        Span<char> id = stackalloc char[43];
        "fb-".CopyTo(id);
        Convert.TryToHexStringLower(hash[..20], id[3..], out _);
        return new string(id);
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
        var batch = new ValidEvent[applied.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            var f = applied[i];
            batch[i] = new ValidEvent(
                FeedbackService.EventIdFor(f.Impression.RecommendationId, f.ItemId, f.Type), f.Impression.UserId, EventTypeOf(f.Type),
                f.ItemId, now, f.Amount, null, null, "feedback");
        }
        await events.WriteAsync(batch, cancellationToken);
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

namespace SegmentService.Api.Events;

/// <summary>A batch of behaviour events (1 to 1,000).</summary>
/// <param name="Events">The events, each validated on its own.</param>
public sealed record EventBatchRequest(IReadOnlyList<EventRequest> Events);

/// <summary>One behaviour event as the storefront sends it.</summary>
/// <param name="EventId">Client-chosen id, 1–128 characters; a repeat is stored once. <example>e-0001</example></param>
/// <param name="UserId">The shopper, 1–128 characters. <example>u42</example></param>
/// <param name="Type">view, click, add_to_cart or purchase. <example>purchase</example></param>
/// <param name="ItemId">The item the event is about, 1–128 characters. <example>sku-9</example></param>
/// <param name="OccurredAt">RFC 3339 time; defaults to the server's now; at most 5 minutes ahead. <example>2026-11-27T10:00:00Z</example></param>
/// <param name="Value">Line amount for purchases, ≥ 0. <example>59.90</example></param>
/// <param name="Quantity">Integer from 1 to 1,000,000. <example>1</example></param>
/// <param name="SessionId">Optional session id, 1–128 characters. <example>s-7</example></param>
/// <param name="Source">Optional channel, at most 32 characters. <example>web</example></param>
public sealed record EventRequest(
    string EventId,
    string UserId,
    string Type,
    string ItemId,
    DateTimeOffset? OccurredAt,
    decimal? Value,
    int? Quantity,
    string? SessionId,
    string? Source);

/// <summary>What happened to a batch: stored, already known, and rejected events.</summary>
/// <param name="Accepted">Events newly stored (committed before this answer).</param>
/// <param name="Duplicates">Valid events whose eventId was already stored or repeated in the batch.</param>
/// <param name="Rejected">Events that failed validation, by their index in the batch.</param>
public sealed record EventBatchResult(int Accepted, int Duplicates, IReadOnlyList<RejectedEvent> Rejected);

/// <summary>An event of a batch that was not stored, and why.</summary>
/// <param name="Index">Zero-based position in the batch.</param>
/// <param name="EventId">The event's id as sent, if it had a readable one.</param>
/// <param name="Errors">Field name → reasons.</param>
public sealed record RejectedEvent(int Index, string? EventId, IDictionary<string, string[]> Errors);

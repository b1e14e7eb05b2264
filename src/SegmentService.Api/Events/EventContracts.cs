namespace SegmentService.Api.Events;

/// <summary>A batch of behaviour events (1 to 1,000).</summary>
public sealed record EventBatchRequest
{
    /// <summary>The events, each validated on its own.</summary>
    public required IReadOnlyList<EventRequest> Events { get; init; }
}

/// <summary>One behaviour event as the storefront sends it.</summary>
public sealed record EventRequest
{
    /// <summary>Client-chosen id, 1–128 characters; a repeat is stored once.</summary>
    /// <example>e-0001</example>
    public required string EventId { get; init; }

    /// <summary>The shopper, 1–128 characters.</summary>
    /// <example>u42</example>
    public required string UserId { get; init; }

    /// <summary>view, click, add_to_cart or purchase.</summary>
    /// <example>purchase</example>
    public required string Type { get; init; }

    /// <summary>The item the event is about, 1–128 characters.</summary>
    /// <example>sku-9</example>
    public required string ItemId { get; init; }

    /// <summary>RFC 3339 time with offset; defaults to the server's now; from 2000-01-01 to 5 minutes ahead.</summary>
    /// <example>2026-11-27T10:00:00Z</example>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Line amount for purchases, ≥ 0.</summary>
    /// <example>59.90</example>
    public decimal? Value { get; init; }

    /// <summary>Integer from 1 to 1,000,000.</summary>
    /// <example>1</example>
    public int? Quantity { get; init; }

    /// <summary>Optional session id, 1–128 characters.</summary>
    /// <example>s-7</example>
    public string? SessionId { get; init; }

    /// <summary>Optional channel, at most 32 characters.</summary>
    /// <example>web</example>
    public string? Source { get; init; }
}

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

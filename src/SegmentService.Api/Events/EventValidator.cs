using System.Text.Json;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Events;

/// <summary>An event that passed validation, ready to store.</summary>
public readonly record struct ValidEvent(
    string EventId,
    string UserId,
    EventType Type,
    string ItemId,
    DateTimeOffset OccurredAt,
    decimal? Value,
    int? Quantity,
    string? SessionId,
    string? Source);

public static class EventValidator
{
    /// <summary>Validates one event of a batch against the rules of API.md; <paramref name="now"/> bounds occurredAt.</summary>
    public static ValidEvent? Validate(JsonElement element, DateTimeOffset now, FieldErrors errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add("event", $"must be an object (got {JsonFields.Describe(element.ValueKind)}).");
            return null;
        }

        var eventId = JsonFields.GetString(element, "eventId", errors);
        InputRules.CheckId(eventId, "eventId", errors);
        var userId = JsonFields.GetString(element, "userId", errors);
        InputRules.CheckId(userId, "userId", errors);
        var itemId = JsonFields.GetString(element, "itemId", errors);
        InputRules.CheckId(itemId, "itemId", errors);
        var sessionId = JsonFields.GetString(element, "sessionId", errors);
        InputRules.CheckId(sessionId, "sessionId", errors, required: false);

        var typeName = JsonFields.GetString(element, "type", errors);
        var type = default(EventType);
        if (typeName is null)
        {
            if (!JsonFields.TryGet(element, "type", out _))
            {
                errors.Add("type", "is required.");
            }
        }
        else if (!EventTypeNames.TryParse(typeName, out type))
        {
            errors.Add("type", $"must be one of {string.Join(", ", EventTypeNames.All)} (got '{Truncate(typeName)}').");
        }

        var occurredAt = JsonFields.GetTimestamp(element, "occurredAt", errors) ?? now;
        if (occurredAt < EventLimits.EarliestOccurredAt)
        {
            errors.Add("occurredAt", "must not be before 2000-01-01T00:00:00Z.");
        }
        else if (occurredAt > now + EventLimits.MaxClockSkew)
        {
            errors.Add("occurredAt", "must not be more than 5 minutes ahead of the server clock.");
        }

        var value = JsonFields.GetDecimal(element, "value", errors);
        if (value is < 0 or > EventLimits.MaxValue)
        {
            errors.Add("value", $"must be from 0 to {EventLimits.MaxValue:N0}.");
        }

        var quantity = JsonFields.GetInteger(element, "quantity", errors);
        if (quantity is < 1 or > EventLimits.MaxQuantity)
        {
            errors.Add("quantity", $"must be an integer from 1 to {EventLimits.MaxQuantity:N0}.");
        }

        var source = JsonFields.GetString(element, "source", errors);
        if (source is not null)
        {
            InputRules.CheckText(source, "source", errors, EventLimits.MaxSourceLength);
        }

        if (errors.Any)
        {
            return null;
        }
        return new ValidEvent(
            eventId!, userId!, type, itemId!, occurredAt.ToUniversalTime(), value, (int?)quantity, sessionId, source);
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}

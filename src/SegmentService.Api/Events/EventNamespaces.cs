using SegmentService.Api.Validation;

namespace SegmentService.Api.Events;

/// <summary>
/// Keeps the event ids of public frontend keys apart from the storefront's: a frontend id is stored with
/// <see cref="FrontendPrefix"/>, which storefront ids may not start with, so a browser can never claim an id
/// the storefront will use (turning its real event into a "duplicate"). Clients keep sending and seeing their own ids.
/// </summary>
public static class EventNamespaces
{
    public const string FrontendPrefix = "frontend:";

    /// <summary>The longest id a frontend key may send: with the prefix it must fit the 128-character column.</summary>
    public const int MaxFrontendIdLength = InputRules.MaxIdLength - 9; // "frontend:" is 9 characters

    /// <summary>Applies the rules of the caller's role to a valid event; null (with errors) if the role may not post it.</summary>
    public static ValidEvent? ForOrigin(ValidEvent e, EventOrigin origin, FieldErrors errors)
    {
        if (origin == EventOrigin.Trusted)
        {
            if (e.EventId.StartsWith(FrontendPrefix, StringComparison.Ordinal))
            {
                errors.Add("eventId", $"must not start with '{FrontendPrefix}' (reserved for events sent with frontend keys).");
                return null;
            }
            return e;
        }
        if (e.Type == EventType.Purchase)
        {
            errors.Add("type", "a frontend key may post view, click and add_to_cart events; purchases come from the storefront's server-side key.");
        }
        if (e.EventId.Length > MaxFrontendIdLength)
        {
            errors.Add("eventId", $"must be at most {MaxFrontendIdLength} characters with a frontend key (got {e.EventId.Length}).");
        }
        return errors.Any ? null : e with { EventId = FrontendPrefix + e.EventId };
    }
}

namespace SegmentService.Api.Events;

/// <summary>Stored as smallint; the numbers are part of the schema and never change.</summary>
public enum EventType : short
{
    View = 1,
    Click = 2,
    AddToCart = 3,
    Purchase = 4,
}

public static class EventTypeNames
{
    public const string View = "view";
    public const string Click = "click";
    public const string AddToCart = "add_to_cart";
    public const string Purchase = "purchase";

    public static readonly IReadOnlyList<string> All = [View, Click, AddToCart, Purchase];

    public static bool TryParse(string name, out EventType type)
    {
        (var ok, type) = name switch
        {
            View => (true, EventType.View),
            Click => (true, EventType.Click),
            AddToCart => (true, EventType.AddToCart),
            Purchase => (true, EventType.Purchase),
            _ => (false, default),
        };
        return ok;
    }

    public static string ToName(this EventType type) => type switch
    {
        EventType.View => View,
        EventType.Click => Click,
        EventType.AddToCart => AddToCart,
        EventType.Purchase => Purchase,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}

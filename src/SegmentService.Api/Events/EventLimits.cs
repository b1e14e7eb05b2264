namespace SegmentService.Api.Events;

public static class EventLimits
{
    public const int MaxIdLength = 128;
    public const int MaxSourceLength = 32;
    public const int MaxEventsPerRequest = 1000;
    public const int MaxQuantity = 1_000_000;
    public const decimal MaxValue = 1_000_000_000_000m;
    public static readonly DateTimeOffset EarliestOccurredAt = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);
}

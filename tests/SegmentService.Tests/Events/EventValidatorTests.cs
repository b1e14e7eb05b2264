using System.Text.Json;
using SegmentService.Api.Events;
using SegmentService.Api.Validation;

namespace SegmentService.Tests.Events;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private static (ValidEvent? Event, Dictionary<string, string[]> Errors) Validate(string json)
    {
        var errors = new FieldErrors();
        var result = EventValidator.Validate(JsonDocument.Parse(json).RootElement, Now, errors);
        return (result, errors.ToDictionary());
    }

    [Fact]
    public void FullEventIsParsedWithUtcTime()
    {
        var (e, errors) = Validate("""
            {"eventId":"e1","userId":"u1","type":"add_to_cart","itemId":"i1","occurredAt":"2026-11-27T11:30:00+02:00",
             "value":12.5,"quantity":3,"sessionId":"s1","source":"app"}
            """);
        Assert.Empty(errors);
        Assert.Equal(new ValidEvent("e1", "u1", EventType.AddToCart, "i1", new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.Zero), 12.5m, 3, "s1", "app"), e);
        Assert.Equal(TimeSpan.Zero, e!.Value.OccurredAt.Offset);
    }

    [Fact]
    public void PropertyNamesMatchCaseInsensitively()
    {
        var (e, errors) = Validate("""{"EventId":"e1","USERID":"u1","Type":"view","itemid":"i1"}""");
        Assert.Empty(errors);
        Assert.Equal("u1", e!.Value.UserId);
    }

    [Fact]
    public void EveryBadFieldIsReportedAtOnce()
    {
        var (e, errors) = Validate("""{"type":"x","value":-1,"quantity":0}""");
        Assert.Null(e);
        Assert.Equal(["eventId", "itemId", "quantity", "type", "userId", "value"], errors.Keys.Order());
    }

    [Theory]
    [InlineData("2026-11-27T10:00:00Z", true)]
    [InlineData("2026-11-27t10:00:00.123456z", true)]
    [InlineData("2026-11-27 10:00:00-05:00", true)] // RFC 3339 §5.6 allows a space for readability
    [InlineData("2026-11-27T10:00:00", false)]
    [InlineData("2026-11-27", false)]
    [InlineData("2026-02-30T10:00:00Z", false)]
    public void OccurredAtMustBeRfc3339WithOffset(string value, bool ok)
    {
        var errors = new FieldErrors();
        var parsed = JsonFields.GetTimestamp(JsonDocument.Parse($$"""{"t":"{{value}}"}""").RootElement, "t", errors);
        Assert.Equal(ok, parsed is not null && !errors.Any);
    }
}

using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;

namespace SegmentService.Tests.Feedback;

public sealed class FeedbackEventIdTests
{
    // The ids already stored in events tables: "fb-" and the first 40 hex digits of SHA-256 over
    // "{recommendationId}\n{itemId}\n{(short)type}" in UTF-8 (values computed independently, with Python's hashlib).
    [Theory]
    [InlineData("r-0193a6f0c1b27c3e9d4f5a6b7c8d9e0f", "sku-9", FeedbackType.Click, "fb-5a785641c270d8a6dc94a88e431b9de9152c8294")]
    [InlineData("r-x", "ïtem-ü", FeedbackType.Purchase, "fb-c161ba1bbd1176e4393b563c30740723fa5339b9")]
    public void EventIdIsTheStoredFormat(string recommendationId, string itemId, FeedbackType type, string expected) =>
        Assert.Equal(expected, FeedbackService.EventIdFor(recommendationId, itemId, type));

    [Fact]
    public void LongestIdsStillHash()
    {
        var id = FeedbackService.EventIdFor(new string('r', 128), new string('é', 128), FeedbackType.Click);
        Assert.Equal(43, id.Length);
        Assert.StartsWith("fb-", id);
    }
}

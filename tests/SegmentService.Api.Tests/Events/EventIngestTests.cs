using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using SegmentService.Api.Events;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Events;

public sealed class EventIngestTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    private static JsonObject Event(string id, string user = "u1", string type = "view", string item = "sku-1") =>
        new() { ["eventId"] = id, ["userId"] = user, ["type"] = type, ["itemId"] = item };

    private static StringContent Batch(params JsonNode[] events) =>
        Json(new JsonObject { ["events"] = new JsonArray(events) }.ToJsonString());

    private Task<long> CountAsync(string where) => factory.ScalarAsync<long>($"SELECT count(*) FROM events WHERE {where}");

    [Fact]
    public async Task ValidEventsAreStoredAndCounted()
    {
        var purchase = Event("ing-a2", type: "purchase", item: "sku-9");
        purchase["value"] = 59.90;
        purchase["quantity"] = 2;
        purchase["occurredAt"] = "2026-11-27T09:00:00+01:00";
        purchase["sessionId"] = "s-7";
        purchase["source"] = "web";

        var result = await (await _client.PostAsync("/events", Batch(Event("ing-a1"), purchase))).ReadOkAsync<EventBatchResult>();

        Assert.Equal(2, result.Accepted);
        Assert.Equal(0, result.Duplicates);
        Assert.Empty(result.Rejected);
        Assert.Equal(59.90m, await factory.ScalarAsync<decimal>("SELECT value FROM events WHERE event_id = 'ing-a2'"));
        Assert.Equal(4, await factory.ScalarAsync<int>("SELECT type FROM events WHERE event_id = 'ing-a2'"));
        Assert.Equal("2026-11-27T08:00:00", await factory.ScalarAsync<string>(
            "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM events WHERE event_id = 'ing-a2'"));
    }

    [Fact]
    public async Task MissingOccurredAtDefaultsToServerClock()
    {
        await _client.PostAsync("/events", Batch(Event("ing-now")));

        var stored = await factory.ScalarAsync<DateTime>("SELECT occurred_at FROM events WHERE event_id = 'ing-now'");
        Assert.Equal(factory.Time.GetUtcNow().UtcDateTime, stored.ToUniversalTime());
    }

    [Fact]
    public async Task RepeatedEventIdIsStoredOnceAndCountedAsDuplicate()
    {
        var first = await (await _client.PostAsync("/events", Batch(Event("ing-d1"), Event("ing-d1"), Event("ing-d2")))).ReadOkAsync<EventBatchResult>();
        var second = await (await _client.PostAsync("/events", Batch(Event("ing-d1", user: "someone-else"), Event("ing-d3")))).ReadOkAsync<EventBatchResult>();

        Assert.Equal((2, 1), (first.Accepted, first.Duplicates));
        Assert.Equal((1, 1), (second.Accepted, second.Duplicates));
        Assert.Equal(1, await CountAsync("event_id = 'ing-d1'"));
        Assert.Equal("u1", await factory.ScalarAsync<string>("SELECT user_id FROM events WHERE event_id = 'ing-d1'"));
    }

    [Fact]
    public async Task ConcurrentRequestsWithTheSameIdsStoreEachEventOnce()
    {
        var ids = Enumerable.Range(0, 50).Select(i => $"race-{i}").ToArray();
        var requests = Enumerable.Range(0, 16).Select(_ =>
            _client.PostAsync("/events", Batch([.. ids.Select(id => (JsonNode)Event(id))])));
        var results = await Task.WhenAll(requests);
        var bodies = await Task.WhenAll(results.Select(r => r.ReadOkAsync<EventBatchResult>()));

        Assert.Equal(50, bodies.Sum(b => b.Accepted));
        Assert.Equal(15 * 50, bodies.Sum(b => b.Duplicates));
        Assert.Equal(50, await CountAsync("event_id LIKE 'race-%'"));
    }

    [Fact]
    public async Task BadEventsAreRejectedByIndexAndGoodOnesStored()
    {
        var bad = Event("ing-bad", type: "teleport");
        var result = await (await _client.PostAsync("/events", Batch(Event("ing-good1"), bad, Event("ing-good2")))).ReadOkAsync<EventBatchResult>();

        Assert.Equal(2, result.Accepted);
        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(1, rejection.Index);
        Assert.Equal("ing-bad", rejection.EventId);
        Assert.True(rejection.Errors.ContainsKey("type"));
        Assert.Equal(2, await CountAsync("event_id LIKE 'ing-good%'"));
        Assert.Equal(0, await CountAsync("event_id = 'ing-bad'"));
    }

    public static TheoryData<string, string, string> InvalidFields => new()
    {
        { "eventId", "null", "eventId" },
        { "eventId", "\"\"", "eventId" },
        { "eventId", "\"   \"", "eventId" },
        { "eventId", "\"" + new string('x', 129) + "\"", "eventId" },
        { "eventId", "\"a\\u0001b\"", "eventId" },
        { "eventId", "42", "eventId" },
        { "userId", "null", "userId" },
        { "userId", "\"\\t\"", "userId" },
        { "itemId", "null", "itemId" },
        { "type", "null", "type" },
        { "type", "\"View\"", "type" },
        { "type", "\"refund\"", "type" },
        { "occurredAt", "\"yesterday\"", "occurredAt" },
        { "occurredAt", "\"2026-11-27T10:00:00\"", "occurredAt" },
        { "occurredAt", "\"1999-12-31T23:59:59Z\"", "occurredAt" },
        { "occurredAt", "\"2026-11-27T10:05:01Z\"", "occurredAt" },
        { "value", "-0.01", "value" },
        { "value", "\"12\"", "value" },
        { "value", "1e300", "value" },
        { "quantity", "0", "quantity" },
        { "quantity", "1000001", "quantity" },
        { "quantity", "1.5", "quantity" },
        { "sessionId", "\"\"", "sessionId" },
        { "source", "\"" + new string('s', 33) + "\"", "source" },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task EachInvalidFieldIsNamedInTheRejection(string field, string jsonValue, string expectedError)
    {
        var id = $"v-{field}-{Guid.NewGuid():N}";
        var node = Event(id);
        node[field] = JsonNode.Parse(jsonValue);
        var result = await (await _client.PostAsync("/events", Batch(node, Event(id + "-ok")))).ReadOkAsync<EventBatchResult>();

        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(0, rejection.Index);
        Assert.True(rejection.Errors.ContainsKey(expectedError), $"errors: {JsonSerializer.Serialize(rejection.Errors)}");
        Assert.Equal(1, result.Accepted);
    }

    [Fact]
    public async Task BoundaryValuesAreAccepted()
    {
        var node = Event("edge-1", user: new string('u', 128));
        node["occurredAt"] = "2026-11-27T10:05:00Z";
        node["value"] = 0;
        node["quantity"] = 1_000_000;
        node["source"] = new string('s', 32);
        var result = await (await _client.PostAsync("/events", Batch(node))).ReadOkAsync<EventBatchResult>();
        Assert.Equal(1, result.Accepted);
    }

    [Fact]
    public async Task UnpairedSurrogateEscapesAreRejectedNotAServerError()
    {
        var response = await _client.PostAsync("/events", Json("""
            {"events":[
              {"eventId":"\ud800","userId":"u","type":"view","itemId":"i"},
              {"\udc00odd":"x","eventId":"sur-ok","userId":"u","type":"view","itemId":"i"}
            ]}
            """));
        var result = await response.ReadOkAsync<EventBatchResult>();

        Assert.Equal(1, result.Accepted);
        var rejection = Assert.Single(result.Rejected);
        Assert.Equal((0, (string?)null), (rejection.Index, rejection.EventId));
        Assert.True(rejection.Errors.ContainsKey("eventId"));
    }

    [Fact]
    public async Task NonObjectEntryIsRejectedByIndex()
    {
        var result = await (await _client.PostAsync("/events", Json("""{"events":[42, {"eventId":"obj-ok","userId":"u","type":"click","itemId":"i"}]}"""))).ReadOkAsync<EventBatchResult>();
        Assert.Equal(0, Assert.Single(result.Rejected).Index);
        Assert.Equal(1, result.Accepted);
    }

    [Theory]
    [InlineData("{not json", "body")]
    [InlineData("[]", "body")]
    [InlineData("{}", "events")]
    [InlineData("""{"events": {}}""", "events")]
    [InlineData("""{"events": []}""", "events")]
    public async Task MalformedBodyIsA400AndStoresNothing(string body, string field)
    {
        var before = await CountAsync("true");
        var response = await _client.PostAsync("/events", Json(body));
        await response.AssertFieldErrorAsync(field);
        Assert.Equal(before, await CountAsync("true"));
    }

    [Fact]
    public async Task MoreThanAThousandEventsIsA400AndStoresNothing()
    {
        var events = Enumerable.Range(0, 1001).Select(i => (JsonNode)Event($"big-{i}")).ToArray();
        var response = await _client.PostAsync("/events", Batch(events));
        await response.AssertFieldErrorAsync("events");
        Assert.Equal(0, await CountAsync("event_id LIKE 'big-%'"));
    }

    [Fact]
    public async Task WrongContentTypeIsA415()
    {
        var response = await _client.PostAsync("/events", Json("""{"events":[]}""", "text/plain"));
        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task BodyOverOneMebibyteIsA413()
    {
        var padding = new string(' ', 1024 * 1024);
        var response = await _client.PostAsync("/events", Json("{\"events\":[]" + padding + "}"));
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }
}

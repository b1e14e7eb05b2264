using System.Net;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Hosting;

/// <summary>Seeded random bodies built from awkward JSON values: no input may produce a 5xx.</summary>
public sealed class HostileInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string[] AwkwardValues =
    [
        "null", "true", "0", "-1", "1e400", "-1e400", "1.5", "123456789012345678901234567890", "\"\"", "\" \"",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"" + new string('x', 5000) + "\"", "[]", "{}", "[1,[2,[3]]]",
        "{\"a\":{\"b\":{}}}", "\"2026-11-27T10:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00+14:00\"",
        "\"view\"", "\"purchase\"", "\"sku-1\"", "\"\\\"; DROP TABLE events; --\"", "\"ü🙂\"", "2147483648", "-0",
    ];

    private static readonly string[] EventFields =
        ["eventId", "userId", "type", "itemId", "occurredAt", "value", "quantity", "sessionId", "source", "\\ud800"];

    private static readonly string[] ItemFields = ["itemId", "category", "price", "inStock", "title"];

    private static string RandomObject(Random random, string[] fields)
    {
        var parts = fields.Where(_ => random.NextDouble() < 0.8)
            .Select(f => $"\"{f}\":{AwkwardValues[random.Next(AwkwardValues.Length)]}");
        return "{" + string.Join(",", parts) + "}";
    }

    [Fact]
    public async Task RandomEventBatchesNeverCauseAServerError()
    {
        var random = new Random(7);
        var client = factory.Storefront();
        for (var round = 0; round < 60; round++)
        {
            var events = Enumerable.Range(0, 1 + random.Next(20)).Select(_ =>
                random.NextDouble() < 0.1 ? AwkwardValues[random.Next(AwkwardValues.Length)] : RandomObject(random, EventFields));
            var body = $"{{\"events\":[{string.Join(",", events)}]}}";
            var response = await client.PostAsync("/events", Json(body));
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {body}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task RandomItemBodiesNeverCauseAServerError()
    {
        var random = new Random(11);
        var client = factory.Storefront();
        for (var round = 0; round < 60; round++)
        {
            var single = RandomObject(random, ItemFields);
            var put = await client.PutAsync($"/items/hostile-{round}", Json(single));
            Assert.True((int)put.StatusCode < 500, $"{(int)put.StatusCode} for {single}");

            var batch = $"{{\"items\":[{string.Join(",", Enumerable.Range(0, 1 + random.Next(10)).Select(_ => RandomObject(random, ItemFields)))}]}}";
            var post = await client.PostAsync("/items", Json(batch));
            Assert.True((int)post.StatusCode < 500, $"{(int)post.StatusCode} for {batch}");
        }
    }

    [Theory]
    [InlineData("/items/%7F")]
    [InlineData("/items/%F0%9F%99%82")]
    [InlineData("/items/%ED%A0%80")]
    public async Task AwkwardPathIdsNeverCauseAServerError(string path)
    {
        var response = await factory.Storefront().GetAsync(path);
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {path}");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }
}

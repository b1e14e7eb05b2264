using System.Net;
using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Hosting;

public sealed class PlatformTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task ReadinessIsHealthyWhenTheDatabaseIsMigrated()
    {
        var response = await factory.ClientWithKey(null).GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SwaggerDocumentsEveryEndpointWithTheApiKeyScheme()
    {
        var response = await factory.ClientWithKey(null).GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        var paths = root.GetProperty("paths");
        string[] expected =
        [
            "/events", "/items", "/items/{itemId}", "/recommend", "/feedback/click", "/feedback/purchase",
            "/segments", "/segments/{key}", "/users/{userId}/segment", "/admin/segmentation/runs",
            "/admin/segmentation/runs/{runId}", "/admin/policy", "/admin/policy/evaluation",
        ];
        foreach (var path in expected)
        {
            Assert.True(paths.TryGetProperty(path, out _), $"missing {path}");
        }
        var postEvents = paths.GetProperty("/events").GetProperty("post");
        Assert.False(string.IsNullOrEmpty(postEvents.GetProperty("summary").GetString()));
        Assert.True(postEvents.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(postEvents.GetProperty("responses").TryGetProperty("401", out _));
        Assert.True(postEvents.TryGetProperty("requestBody", out _));
        Assert.True(root.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("ApiKey", out _));
        var schemas = root.GetProperty("components").GetProperty("schemas");
        Assert.Equal("e-0001", schemas.GetProperty("EventRequest").GetProperty("properties").GetProperty("eventId").GetProperty("example").GetString());
        var score = schemas.GetProperty("RecommendedItem").GetProperty("properties").GetProperty("score");
        Assert.Equal(0.42, score.GetProperty("example").GetDouble());
        Assert.DoesNotContain("<example>", score.GetProperty("description").GetString(), StringComparison.Ordinal);

        var ui = await factory.ClientWithKey(null).GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task UnknownRouteIsA404Problem()
    {
        var response = await factory.Storefront().GetAsync("/no/such/route");
        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }
}

/// <summary>A service whose database has gone: requests that need it answer a 500 problem without internals.</summary>
public sealed class DatabaseFailureTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task StorageFailureIsA500ProblemWithTraceIdAndNoStackTrace()
    {
        await factory.ExecuteAsync("ALTER TABLE events RENAME TO events_gone");
        var response = await factory.Storefront().PostAsync("/events",
            Json("""{"events":[{"eventId":"f-1","userId":"u","type":"view","itemId":"i"}]}"""));

        var body = await response.AssertProblemAsync(HttpStatusCode.InternalServerError);
        Assert.True(body.TryGetProperty("traceId", out _));
        Assert.DoesNotContain("events", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

public sealed class UnreachableDatabaseFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Database:MigrateOnStart", "false")];

    public override Task InitializeAsync()
    {
        ConnectionString = "Host=127.0.0.1;Port=1;Username=nobody;Password=x;Timeout=2";
        _ = Server;
        return Task.CompletedTask;
    }

    protected override bool OwnsDatabase => false;
}

public sealed class UnreachableDatabaseTests(UnreachableDatabaseFactory factory) : IClassFixture<UnreachableDatabaseFactory>
{
    [Fact]
    public async Task ReadinessFailsWhenTheDatabaseIsUnreachable()
    {
        var client = factory.ClientWithKey(null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task WritesAndRecommendationsAnswer503WithRetryAfterWhenTheDatabaseWasNeverReachable()
    {
        var client = factory.Storefront();
        var events = await client.PostAsync("/events", Json("""{"events":[{"eventId":"u-1","userId":"u","type":"view","itemId":"i"}]}"""));
        var recommend = await client.GetAsync("/recommend?userId=u");
        foreach (var response in new[] { events, recommend })
        {
            await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }
    }
}

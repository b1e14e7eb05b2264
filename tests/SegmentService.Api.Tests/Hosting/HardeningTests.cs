using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Tests.Infrastructure;
using Serilog.Core;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Hosting;

/// <summary>A host configured as production would be: CORS origins, tight rate limits, every log level captured.</summary>
public sealed class HardenedFactory : ApiFactory
{
    public const string ShopOrigin = "https://shop.example.com";

    public LogCapture Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Cors:AllowedOrigins:0", ShopOrigin),
        new("RateLimits:FrontendClientPerSecond", "5"),
        new("RateLimits:AdminKeyPerSecond", "5"),
        new("RateLimits:Burst", "00:00:01"),
        new("Serilog:MinimumLevel:Default", "Verbose"),
        new("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Verbose"),
        new("Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore", "Verbose"),
        new("Serilog:MinimumLevel:Override:System.Net.Http", "Verbose"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(Logs));
    }
}

public sealed class HardeningTests(HardenedFactory factory) : IClassFixture<HardenedFactory>
{
    private static HttpRequestMessage Preflight(string path, string origin) => new(HttpMethod.Options, path)
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "x-api-key,content-type" },
        },
    };

    [Fact]
    public async Task CorsAllowsConfiguredOriginsOnFrontendRoutesOnlyAndNeverCredentials()
    {
        using var client = factory.ClientWithKey(null);
        var allowed = await client.SendAsync(Preflight("/events", HardenedFactory.ShopOrigin));
        Assert.Equal(HardenedFactory.ShopOrigin, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Credentials"));
        var click = await client.SendAsync(Preflight("/feedback/click", HardenedFactory.ShopOrigin));
        Assert.True(click.Headers.Contains("Access-Control-Allow-Origin"));

        var stranger = await client.SendAsync(Preflight("/events", "https://evil.example.net"));
        Assert.False(stranger.Headers.Contains("Access-Control-Allow-Origin"));
        foreach (var path in new[] { "/items", "/feedback/purchase", "/admin/segmentation/runs" })
        {
            var response = await client.SendAsync(Preflight(path, HardenedFactory.ShopOrigin));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), path);
        }
    }

    [Fact]
    public async Task EveryRouteDeclaresWhoMayCallItAndTheFallbackIsAdminOnly()
    {
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.True(endpoints.Count > 10);
        var undeclared = endpoints
            .Where(e => !e.Metadata.OfType<IAuthorizeData>().Any() && !e.Metadata.OfType<IAllowAnonymous>().Any())
            .Select(e => e.RoutePattern.RawText).ToList();
        Assert.True(undeclared.Count == 0, "routes without an authorization rule: " + string.Join(", ", undeclared));

        var fallback = await factory.Services.GetRequiredService<IAuthorizationPolicyProvider>().GetFallbackPolicyAsync();
        Assert.NotNull(fallback);
        // A route nobody annotated: the fallback lets an admin key through and refuses a storefront key.
        var authorization = factory.Services.GetRequiredService<IAuthorizationService>();
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.SetEndpoint(endpoints[0]);
        Assert.True((await authorization.AuthorizeAsync(Principal("admin"), http, fallback)).Succeeded);
        Assert.False((await authorization.AuthorizeAsync(Principal("storefront"), http, fallback)).Succeeded);
        Assert.False((await authorization.AuthorizeAsync(Principal("frontend"), http, fallback)).Succeeded);
    }

    private static System.Security.Claims.ClaimsPrincipal Principal(string role) =>
        new(new System.Security.Claims.ClaimsIdentity([new(System.Security.Claims.ClaimTypes.Role, role)], "ApiKey"));

    [Fact]
    public async Task AnswersCarrySecurityHeadersAlsoOnProblems()
    {
        foreach (var response in new[]
        {
            await factory.ClientWithKey(null).GetAsync("/health/live"),
            await factory.ClientWithKey(null).GetAsync("/items/x"),
            await factory.Storefront().PostAsync("/events", Json("{")),
        })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        }
    }

    [Fact]
    public async Task FrontendClientOverItsRateGets429ProblemWithRetryAfterWhileTheStorefrontIsUnaffected()
    {
        using var frontend = factory.ClientWithKey(TestKeys.Frontend);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 30 && limited is null; i++)
        {
            var response = await frontend.PostAsync("/events", Json($$"""{"events":[{"eventId":"rl-{{i}}","userId":"rl","type":"view","itemId":"i"}]}"""));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }
        Assert.NotNull(limited);
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains(HttpStatusCode.OK, statuses);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await factory.Storefront().GetAsync("/health/ready")).StatusCode);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await factory.Storefront().PostAsync("/events",
                Json($$"""{"events":[{"eventId":"rl-s-{{i}}","userId":"rl","type":"view","itemId":"i"}]}"""))).StatusCode);
        }
    }

    [Fact]
    public async Task KeyOverItsRateGets429WhileOtherKeysAreUnaffected()
    {
        using var admin = factory.Admin();
        await Task.Delay(1200); // other tests of this class use the admin key: let its bucket (5 a second) refill
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            statuses.Add((await admin.GetAsync("/admin/policy")).StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Storefront().GetAsync("/items/not-there")).StatusCode);
    }

    [Theory]
    [InlineData("u\u202Eevil")]   // right-to-left override
    [InlineData("u\u200Bx")]      // zero-width space
    [InlineData("\uFEFFu")]       // byte order mark
    [InlineData("u\u2066x\u2069")] // bidi isolate
    [InlineData("u\u0085x")]      // C1 control (next line)
    [InlineData("u\u2028x")]      // line separator
    public async Task InvisibleAndBidiCharactersInIdsAreA400NamingTheField(string userId)
    {
        var body = JsonContent.Create(new { events = new[] { new { eventId = "cc-" + (int)userId[1], userId, type = "view", itemId = "i" } } });
        var result = await (await factory.Storefront().PostAsync("/events", body)).ReadOkAsync<SegmentService.Api.Events.EventBatchResult>();
        Assert.True(Assert.Single(result.Rejected).Errors.ContainsKey("userId"));
        await (await factory.Storefront().GetAsync($"/recommend?userId={Uri.EscapeDataString(userId)}")).AssertFieldErrorAsync("userId");
    }

    [Fact]
    public async Task PurchaseFeedbackAmountBeyondTheEventValueBoundIsA400()
    {
        var response = await factory.Storefront().PostAsync("/feedback/purchase",
            Json("""{"recommendationId":"r-1","itemId":"x","amount":1e15}"""));
        await response.AssertFieldErrorAsync("amount");
    }

    [Fact]
    public async Task ApiKeysNeverReachTheLogs()
    {
        var keys = new[] { TestKeys.Storefront, TestKeys.Admin, TestKeys.Frontend, "wrong-key-0123456789abcdef" };
        foreach (var key in keys)
        {
            using var client = factory.ClientWithKey(key);
            await client.PostAsync("/events", Json("""{"events":[{"eventId":"log-1","userId":"u","type":"view","itemId":"i"}]}"""));
            await client.GetAsync("/items/nope");
            await client.GetAsync("/admin/policy");
            await client.PostAsync("/feedback/purchase", Json("""{"recommendationId":"r","itemId":"i","amount":1}"""));
            await client.GetAsync("/no/such/route");
        }
        var rendered = factory.Logs.Rendered().ToList();
        Assert.True(rendered.Count(line => line.Contains("HTTP ", StringComparison.Ordinal)) >= 20, "too few request logs: the test would pass vacuously");
        Assert.Contains(rendered, line => line.Contains("ApiKey", StringComparison.Ordinal)); // authentication itself was logged
        foreach (var key in keys)
        {
            Assert.DoesNotContain(rendered, line => line.Contains(key, StringComparison.Ordinal));
        }
    }
}

/// <summary>Production defaults: Swagger off, /metrics for admin keys only.</summary>
public sealed class ProductionFactory : ApiFactory
{
    protected override string EnvironmentName => "Production";
}

public sealed class ProductionDefaultsTests(ProductionFactory factory) : IClassFixture<ProductionFactory>
{
    [Fact]
    public async Task SwaggerIsOffAndMetricsNeedAnAdminKey()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Admin().GetAsync("/swagger/v1/swagger.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Admin().GetAsync("/swagger/index.html")).StatusCode);
        await (await factory.ClientWithKey(null).GetAsync("/metrics")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await factory.Storefront().GetAsync("/metrics")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await factory.Admin().GetAsync("/metrics")).StatusCode);
    }
}

public sealed class ProductionSwaggerFactory : ApiFactory
{
    protected override string EnvironmentName => "Production";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Swagger:Enabled", "true")];
}

public sealed class ProductionSwaggerTests(ProductionSwaggerFactory factory) : IClassFixture<ProductionSwaggerFactory>
{
    [Fact]
    public async Task EnabledSwaggerInProductionIsForAdminKeysOnly()
    {
        await (await factory.ClientWithKey(null).GetAsync("/swagger/v1/swagger.json")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await factory.Storefront().GetAsync("/swagger/index.html")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await factory.Admin().GetAsync("/swagger/v1/swagger.json")).StatusCode);
        // The UI must not keep a pasted admin key in localStorage.
        var ui = await (await factory.Admin().GetAsync("/swagger/index.html")).Content.ReadAsStringAsync()
            + await (await factory.Admin().GetAsync("/swagger/index.js")).Content.ReadAsStringAsync();
        Assert.Contains("persistAuthorization", ui, StringComparison.Ordinal);
        Assert.DoesNotContain("\"persistAuthorization\":true", ui.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}

using System.Net;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Hosting;

public sealed class AuthTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string EventBody = """{"events":[{"eventId":"auth-e","userId":"u","type":"view","itemId":"i"}]}""";
    private const string ItemBody = """{"category":"c","price":1}""";

    /// <summary>Every route group: method, path, body, and which roles may call it.</summary>
    public static TheoryData<string, string, string?, string> Routes => new()
    {
        { "POST", "/events", EventBody, "frontend,storefront,admin" },
        { "PUT", "/items/auth-i", ItemBody, "storefront,admin" },
        { "POST", "/items", """{"items":[{"itemId":"auth-j","category":"c","price":1}]}""", "storefront,admin" },
        { "GET", "/items/auth-i", null, "storefront,admin" },
    };

    private static readonly Dictionary<string, string> KeysByRole = new()
    {
        ["frontend"] = TestKeys.Frontend,
        ["storefront"] = TestKeys.Storefront,
        ["admin"] = TestKeys.Admin,
    };

    private static HttpRequestMessage Request(string method, string path, string? body) =>
        new(new HttpMethod(method), path) { Content = body is null ? null : Json(body) };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task MissingKeyIsA401Problem(string method, string path, string? body, string allowed)
    {
        _ = allowed;
        var response = await factory.ClientWithKey(null).SendAsync(Request(method, path, body));
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task UnknownKeyIsA401Problem(string method, string path, string? body, string allowed)
    {
        _ = allowed;
        var response = await factory.ClientWithKey("not-a-real-key-at-all").SendAsync(Request(method, path, body));
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EachRoleIsAllowedOrForbiddenAsConfigured(string method, string path, string? body, string allowed)
    {
        var allowedRoles = allowed.Split(',');
        // Seed the item so that reads answer 200 rather than 404.
        await factory.Storefront().PutAsync("/items/auth-i", Json(ItemBody));
        foreach (var (role, key) in KeysByRole)
        {
            var response = await factory.ClientWithKey(key).SendAsync(Request(method, path, body));
            if (allowedRoles.Contains(role))
            {
                Assert.True(response.IsSuccessStatusCode, $"{role} on {method} {path}: {(int)response.StatusCode}");
            }
            else
            {
                await response.AssertProblemAsync(HttpStatusCode.Forbidden);
            }
        }
    }

    [Fact]
    public async Task HealthNeedsNoKey()
    {
        var client = factory.ClientWithKey(null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }
}

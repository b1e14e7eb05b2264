using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Hosting;

/// <summary>
/// Token buckets per API key and, for public frontend keys, per client address. A rate of 0 switches that limit off.
/// Storefront and admin keys are unlimited by default: they are the shop's own servers (/recommend runs at thousands
/// a second) and ops; the public frontend keys are the ones anyone can use.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests a second per frontend key, all browsers together (the key is public).</summary>
    [Range(0, 1_000_000)]
    public int FrontendKeyPerSecond { get; set; } = 1000;

    /// <summary>Requests a second per client address with a frontend key (one browser, or one NAT).</summary>
    [Range(0, 1_000_000)]
    public int FrontendClientPerSecond { get; set; } = 20;

    /// <summary>Requests a second per storefront key; 0: unlimited.</summary>
    [Range(0, 1_000_000)]
    public int StorefrontKeyPerSecond { get; set; }

    /// <summary>Requests a second per admin key; 0: unlimited (ops scripts poll runs in tight loops).</summary>
    [Range(0, 1_000_000)]
    public int AdminKeyPerSecond { get; set; }

    /// <summary>How many seconds of requests a bucket holds, so short bursts pass.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Burst { get; set; } = TimeSpan.FromSeconds(2);
}

public static class RateLimits
{
    public static IServiceCollection AddApiRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, settings) =>
        {
            var o = settings.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => PerKey(context, o)),
                PartitionedRateLimiter.Create<HttpContext, string>(context => PerFrontendClient(context, o)));
            limiter.OnRejected = WriteProblemAsync;
        });
        return services;
    }

    public static WebApplication UseApiRateLimits(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled)
        {
            app.UseRateLimiter();
        }
        return app;
    }

    private static RateLimitPartition<string> PerKey(HttpContext context, RateLimitOptions o)
    {
        var keyId = context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value;
        var perSecond = keyId is null ? 0 : RoleOf(context) switch
        {
            ApiKeyRoles.Frontend => o.FrontendKeyPerSecond,
            ApiKeyRoles.Storefront => o.StorefrontKeyPerSecond,
            ApiKeyRoles.Admin => o.AdminKeyPerSecond,
            _ => 0,
        };
        return Bucket("key:" + keyId, perSecond, o.Burst);
    }

    private static RateLimitPartition<string> PerFrontendClient(HttpContext context, RateLimitOptions o)
    {
        if (RoleOf(context) != ApiKeyRoles.Frontend || o.FrontendClientPerSecond == 0)
        {
            return RateLimitPartition.GetNoLimiter("none");
        }
        // Behind a proxy, configure forwarded headers so this is the browser's address, not the proxy's.
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return Bucket("client:" + client, o.FrontendClientPerSecond, o.Burst);
    }

    private static string? RoleOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true
            ? context.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value
            : null;

    private static RateLimitPartition<string> Bucket(string partition, int perSecond, TimeSpan burst) =>
        perSecond <= 0
            ? RateLimitPartition.GetNoLimiter(partition)
            : RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, (int)Math.Min(int.MaxValue, perSecond * burst.TotalSeconds)),
                TokensPerPeriod = Math.Max(1, perSecond / 10),
                ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, perSecond / 10) / (double)perSecond),
                QueueLimit = 0,
                AutoReplenishment = true,
            });

    private static async ValueTask WriteProblemAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This API key or client sent more requests than its rate limit allows. Retry after {seconds} s.",
            },
        });
    }
}

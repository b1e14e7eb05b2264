using Prometheus;

namespace SegmentService.Api.Hosting;

/// <summary>
/// Prometheus text at /metrics: HTTP request metrics from prometheus-net, and every
/// System.Diagnostics.Metrics instrument of the service (meter "SegmentService"), which prometheus-net exports.
/// </summary>
public static class MetricsEndpoint
{
    public const string MeterName = "SegmentService";

    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        app.UseHttpMetrics();
        return app;
    }

    /// <summary>/metrics needs an admin key when <c>Metrics:RequireAdminKey</c> is true (unset: true in Production).</summary>
    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        var endpoint = app.MapMetrics("/metrics").WithTags("Platform");
        if (app.Configuration.GetValue<bool?>("Metrics:RequireAdminKey") ?? app.Environment.IsProduction())
        {
            endpoint.RequireAuthorization(AuthPolicies.Admin);
        }
        else
        {
            endpoint.AllowAnonymous();
        }
        return app;
    }
}

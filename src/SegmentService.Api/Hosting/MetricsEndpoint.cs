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

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMetrics("/metrics").AllowAnonymous().WithTags("Platform");
        return app;
    }
}

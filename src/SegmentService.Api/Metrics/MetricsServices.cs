using Prometheus;

namespace SegmentService.Api.Metrics;

/// <summary>
/// Prometheus text at /metrics from <see cref="ServiceMetrics.Registry"/>: request rate and latency per endpoint
/// (prometheus-net's HTTP middleware), process figures, and the service's own counters, histograms and gauges.
/// </summary>
public static class MetricsServices
{
    public static IServiceCollection AddServiceMetrics(this IServiceCollection services)
    {
        services.AddSingleton<ServiceMetrics>();
        services.AddSingleton<ScrapeGauges>();
        return services;
    }

    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<ServiceMetrics>();
        DotNetStats.Register(metrics.Registry);
        app.Services.GetRequiredService<ScrapeGauges>().Register();
        app.UseHttpMetrics(options =>
        {
            options.SetMetricFactory(metrics.Factory);
        });
        return app;
    }

    /// <summary>/metrics needs an admin key when <c>Metrics:RequireAdminKey</c> is true (unset: true in Production).</summary>
    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        var registry = app.Services.GetRequiredService<ServiceMetrics>().Registry;
        var endpoint = app.MapMetrics("/metrics", registry)
            .WithTags("Platform")
            .WithName("GetMetrics")
            .WithSummary("Prometheus metrics")
            .WithDescription("Prometheus text exposition: request rate and latency per endpoint, events, feedback and rewards, segment sizes, runs, Q-table size and buffer depths.");
        if (app.Configuration.GetValue<bool?>("Metrics:RequireAdminKey") ?? app.Environment.IsProduction())
        {
            endpoint.RequireAuthorization(Hosting.AuthPolicies.Admin);
        }
        else
        {
            endpoint.AllowAnonymous();
        }
        return app;
    }
}

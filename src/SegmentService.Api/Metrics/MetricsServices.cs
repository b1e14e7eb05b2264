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

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        var registry = app.ServiceProvider.GetRequiredService<ServiceMetrics>().Registry;
        app.MapMetrics("/metrics", registry)
            .AllowAnonymous()
            .WithTags("Platform")
            .WithName("GetMetrics")
            .WithSummary("Prometheus metrics")
            .WithDescription("Prometheus text exposition: request rate and latency per endpoint, events, feedback and rewards, segment sizes, runs, Q-table size and buffer depths.");
        return app;
    }
}

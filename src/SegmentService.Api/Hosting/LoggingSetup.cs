using Serilog;

namespace SegmentService.Api.Hosting;

public static class LoggingSetup
{
    /// <summary>Serilog from the "Serilog" configuration section (console by default; compact JSON by configuration).</summary>
    public static WebApplicationBuilder AddSerilogLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog(
            (services, configuration) => configuration
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext(),
            preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// One log event per request. The middleware would otherwise write to Serilog's static logger,
    /// which this service leaves unconfigured (no static state), so it is handed the host's logger.
    /// </summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<Serilog.ILogger>();
        app.UseSerilogRequestLogging(options => options.Logger = logger);
        return app;
    }
}

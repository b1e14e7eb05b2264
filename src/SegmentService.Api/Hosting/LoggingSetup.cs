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
    /// One log event per request, at Error only for a 5xx other than 503. The middleware would otherwise write to Serilog's static logger,
    /// which this service leaves unconfigured (no static state), so it is handed the host's logger.
    /// </summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<Serilog.ILogger>();
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = logger;
            // Outside the exception handler, so it sees the final status. A 503 (database outage) or 429 is
            // expected under its condition, which is logged once elsewhere: no error line per request.
            options.GetLevel = (context, _, exception) =>
                exception is not null || (context.Response.StatusCode >= 500 && context.Response.StatusCode != StatusCodes.Status503ServiceUnavailable)
                    ? Serilog.Events.LogEventLevel.Error
                    : Serilog.Events.LogEventLevel.Information;
        });
        return app;
    }
}

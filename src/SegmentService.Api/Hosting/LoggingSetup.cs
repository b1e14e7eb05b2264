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
}

using System.ComponentModel.DataAnnotations;

namespace SegmentService.Api.Hosting;

/// <summary>How a replica stops on SIGTERM (docker stop, Kubernetes).</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>
    /// After SIGTERM, /health/ready answers 503 at once but the server keeps taking requests this long, so a
    /// balancer polling readiness stops routing here before the listener closes. 0 outside orchestrators.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;

    /// <summary>How long in-flight requests and background services get to finish once the listener closes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Holds the host in its "stopping" phase for <see cref="ShutdownOptions.DrainDelay"/>: ApplicationStopping has fired
/// (readiness is 503), Kestrel still serves. Then the host stops the server, which finishes in-flight requests.
/// </summary>
public sealed class ShutdownDrain(Microsoft.Extensions.Options.IOptions<ShutdownOptions> options, ILogger<ShutdownDrain> logger)
    : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var delay = options.Value.DrainDelay;
        if (delay > TimeSpan.Zero)
        {
            logger.LogInformation("Stopping: readiness is 503; still serving for {DrainDelay} before closing the listener", delay);
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class GracefulShutdown
{
    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services)
    {
        services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<ShutdownOptions>>(
            (host, shutdown) => host.ShutdownTimeout = shutdown.Value.DrainDelay + shutdown.Value.Timeout);
        services.AddHostedService<ShutdownDrain>();
        return services;
    }
}

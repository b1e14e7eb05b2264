using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SegmentService.Api.Storage;

namespace SegmentService.Api.Hosting;

/// <summary>
/// /health/live says the process answers. /health/ready says what this replica can do, as JSON:
/// <c>recommend</c> (the policy state is loaded: /recommend answers from memory) and <c>writes</c> (the database
/// answers: events, items and feedback are stored). Healthy: both (200). Degraded: the database is unreachable
/// but recommendations still work (200, so a balancer keeps sending /recommend; writes answer 503 with Retry-After).
/// Unhealthy (503): the policy state is not loaded, the schema is behind, or the replica is stopping.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>Checks with this tag decide /health/ready.</summary>
    public const string ReadyTag = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseReadyCheck>("database", tags: [ReadyTag])
            .AddCheck<StoppingCheck>("stopping", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Platform").AllowAnonymous();
        group.MapHealthChecks("/live", new HealthCheckOptions { Predicate = _ => false })
            .WithSummary("Liveness: the process answers");
        group.MapHealthChecks("/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReadinessAsync,
        })
            .WithSummary("Readiness: what this replica can do (recommend from memory, store writes) and why not");
        return app;
    }

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        bool Healthy(string name) => !report.Entries.TryGetValue(name, out var entry) || entry.Status == HealthStatus.Healthy;
        var stopping = !Healthy("stopping");
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            recommend = !stopping && Healthy("policy"),
            writes = !stopping && Healthy("database"),
            stopping,
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        }, JsonSerializerOptions.Web, context.RequestAborted);
    }
}

/// <summary>The database: Degraded while unreachable (the replica still recommends), Unhealthy when the schema is behind.</summary>
public sealed class DatabaseReadyCheck(DatabaseMigrator migrator, DatabaseOutageTracker outage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await migrator.CheckUpToDateAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The database schema has pending migrations.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            outage.Report(ex, refusedRequest: false);
            return HealthCheckResult.Degraded("The database is not reachable: writes answer 503 with Retry-After.");
        }
    }
}

/// <summary>Unhealthy from the moment the host starts stopping, so balancers stop routing before in-flight requests end.</summary>
public sealed class StoppingCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("The replica is shutting down.")
            : HealthCheckResult.Healthy());
}

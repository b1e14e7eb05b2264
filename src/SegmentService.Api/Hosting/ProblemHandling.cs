using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace SegmentService.Api.Hosting;

public static class ProblemHandling
{
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddSingleton<DatabaseOutageTracker>();
        // Binding failures (a query value of the wrong type, say) throw, so the handler below can name the field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>
    /// Gives every 503 a Retry-After (5 s) when its writer set none, e.g. "policy state is loading": clients and
    /// proxies then retry after a pause instead of at once. Set when the response starts, so it survives the exception handler.
    /// </summary>
    public static IApplicationBuilder UseRetryAfterOnUnavailable(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var response = ((HttpContext)state).Response;
                if (response.StatusCode == StatusCodes.Status503ServiceUnavailable && !response.Headers.ContainsKey("Retry-After"))
                {
                    response.Headers.RetryAfter = DatabaseOutageTracker.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                return Task.CompletedTask;
            }, context);
            return next(context);
        });

    /// <summary>
    /// Rejects a declared body over the limit before any handler reads it. Kestrel enforces the same
    /// limit on chunked bodies while they are read (a <see cref="BadHttpRequestException"/> with 413).
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > MaxRequestBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status413PayloadTooLarge,
                        Title = "Request body too large",
                        Detail = $"The body may be at most {MaxRequestBodyBytes:N0} bytes (got {context.Request.ContentLength:N0}).",
                    },
                });
                return;
            }
            await next(context);
        });
}

/// <summary>
/// Turns every exception into problem+json: client errors keep their status, a database outage becomes a 503 with
/// Retry-After (logged once per outage by <see cref="DatabaseOutageTracker"/>), the rest a 500 without internals.
/// </summary>
public sealed class ApiExceptionHandler(
    IProblemDetailsService problemDetails, DatabaseOutageTracker outage, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        if (exception is BadHttpRequestException badRequest)
        {
            problem = badRequest.InnerException is JsonException json
                ? new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [json.Path is { Length: > 0 } path ? path : "body"] = ["is not valid JSON for this field."],
                })
                { Title = "The request body is not valid" }
                : new ProblemDetails { Title = "Bad request", Detail = badRequest.Message };
            problem.Status = badRequest.StatusCode;
        }
        else if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true;
        }
        else if (DatabaseFaults.IsOutage(exception))
        {
            outage.Report(exception);
            httpContext.Response.Headers.RetryAfter = DatabaseOutageTracker.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = "The database cannot be reached right now. Retry the same request after the Retry-After delay (writes are idempotent).",
            };
        }
        else
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path} (trace {TraceId})",
                httpContext.Request.Method, httpContext.Request.Path, Activity.Current?.Id ?? httpContext.TraceIdentifier);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "An unexpected error occurred",
                Detail = "The error was logged with the trace id of this answer.",
            };
        }
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }
}

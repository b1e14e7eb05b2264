using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SegmentService.Api.Hosting;
using SegmentService.Api.Metrics;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Events;

public static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/events")
            .WithTags("Events")
            .RequireAuthorization(AuthPolicies.Frontend)
            .RequireCors(BrowserAccess.FrontendPolicy);

        group.MapPost("/", PostEvents)
            .WithName("PostEvents")
            .WithSummary("Ingest a batch of behaviour events (idempotent by eventId)")
            .WithDescription("Stores every valid event of the batch and reports the rest by index with field errors. " +
                "A repeated eventId is stored once and counted as a duplicate. The answer comes after the commit.")
            .Accepts<EventBatchRequest>("application/json")
            .ProducesJsonBodyErrors();
        return app;
    }

    public static async Task<Results<Ok<EventBatchResult>, ProblemHttpResult>> PostEvents(
        HttpRequest request,
        EventWriter writer,
        TimeProvider timeProvider,
        ServiceMetrics metrics,
        ILogger<EventWriter> logger,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        using var document = body.Document!;
        if (JsonBody.GetArray(document, "events", EventLimits.MaxEventsPerRequest, out var array) is { } problem)
        {
            return problem;
        }

        var origin = request.HttpContext.User.IsInRole(ApiKeyRoles.Frontend) ? EventOrigin.Frontend : EventOrigin.Trusted;
        var now = timeProvider.GetUtcNow();
        var valid = new List<ValidEvent>(array.GetArrayLength());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rejected = new List<RejectedEvent>();
        var repeatsInBatch = 0;
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var errors = new FieldErrors();
            if (EventValidator.Validate(element, now, errors) is { } checkedEvent
                && EventNamespaces.ForOrigin(checkedEvent, origin, errors) is { } ok)
            {
                if (seen.Add(ok.EventId))
                {
                    valid.Add(ok);
                }
                else
                {
                    repeatsInBatch++;
                }
            }
            else
            {
                rejected.Add(new RejectedEvent(index, JsonFields.ReadableId(element, "eventId"), errors.ToDictionary()));
            }
            index++;
        }

        var stored = (await writer.WriteAsync(valid, cancellationToken, origin)).Count;
        var duplicates = valid.Count - stored + repeatsInBatch;
        metrics.EventsIngested(stored, duplicates, rejected.Count);
        logger.LogDebug(
            "Ingested {Accepted} events ({Duplicates} duplicates, {Rejected} rejected)", stored, duplicates, rejected.Count);
        return TypedResults.Ok(new EventBatchResult(stored, duplicates, rejected));
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SegmentService.Api.Events;
using SegmentService.Api.Hosting;
using SegmentService.Api.Metrics;
using SegmentService.Api.Policy;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Feedback;

public static class FeedbackApi
{
    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/feedback")
            .WithTags("Feedback")
            .RequireAuthorization(AuthPolicies.Frontend);

        group.MapPost("/click", PostClick)
            .RequireCors(BrowserAccess.FrontendPolicy)
            .WithName("PostClickFeedback")
            .WithSummary("Reward a click on a recommended item (applied once per recommendation and item)")
            .Accepts<ClickFeedbackRequest>("application/json")
            .ProducesJsonBodyErrors()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        // Purchases are worth 5 clicks and public frontend keys are in every browser: only the storefront's
        // server-side key confirms one (a frontend key gets 403).
        group.MapPost("/purchase", PostPurchase)
            .RequireAuthorization(AuthPolicies.Storefront)
            .WithName("PostPurchaseFeedback")
            .WithSummary("Reward a purchase of a recommended item (storefront key; applied once per recommendation and item)")
            .Accepts<PurchaseFeedbackRequest>("application/json")
            .ProducesJsonBodyErrors()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static Task<Results<Ok<FeedbackResponse>, ProblemHttpResult>> PostClick(
        HttpRequest request, FeedbackService feedback, PolicyReadiness readiness, ServiceMetrics metrics, CancellationToken cancellationToken) =>
        HandleAsync(request, FeedbackType.Click, feedback, readiness, metrics, cancellationToken);

    public static Task<Results<Ok<FeedbackResponse>, ProblemHttpResult>> PostPurchase(
        HttpRequest request, FeedbackService feedback, PolicyReadiness readiness, ServiceMetrics metrics, CancellationToken cancellationToken) =>
        HandleAsync(request, FeedbackType.Purchase, feedback, readiness, metrics, cancellationToken);

    private static async Task<Results<Ok<FeedbackResponse>, ProblemHttpResult>> HandleAsync(
        HttpRequest request, FeedbackType type, FeedbackService feedback, PolicyReadiness readiness, ServiceMetrics metrics,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        using var document = body.Document!;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Problems.Validation("body", $"must be a JSON object (got {JsonFields.Describe(root.ValueKind)}).");
        }
        var errors = new FieldErrors();
        var recommendationId = JsonFields.GetString(root, "recommendationId", errors);
        InputRules.CheckId(recommendationId, "recommendationId", errors);
        var itemId = JsonFields.GetString(root, "itemId", errors);
        InputRules.CheckId(itemId, "itemId", errors);
        decimal? amount = null;
        if (type == FeedbackType.Purchase)
        {
            amount = JsonFields.GetDecimal(root, "amount", errors);
            if (amount is < 0 or > EventLimits.MaxValue)
            {
                errors.Add("amount", $"must be from 0 to {EventLimits.MaxValue:N0}.");
            }
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        if (!await readiness.WaitForRequestAsync(cancellationToken))
        {
            return PolicyReadiness.NotReadyProblem();
        }
        var result = await feedback.ApplyAsync(recommendationId!, itemId!, type, amount, cancellationToken);
        metrics.Feedback(type, result.Outcome, result.Reward);
        return result.Outcome switch
        {
            FeedbackOutcome.Applied or FeedbackOutcome.Repeat => TypedResults.Ok(
                new FeedbackResponse(result.Outcome == FeedbackOutcome.Applied, result.Reward, recommendationId!, itemId!)),
            FeedbackOutcome.Overloaded => TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Feedback queue full",
                detail: "Too much feedback is waiting to be written (Policy:MaxQueuedFeedback). Retry shortly."),
            FeedbackOutcome.UnknownRecommendation => Problems.NotFound($"No recommendation '{recommendationId}'."),
            FeedbackOutcome.ItemNotInRecommendation => TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Item not in the recommendation",
                detail: $"Item '{itemId}' was not shown in recommendation '{recommendationId}'."),
            _ => TypedResults.Problem(
                statusCode: StatusCodes.Status410Gone,
                title: "Reward window closed",
                detail: $"Feedback for recommendation '{recommendationId}' was accepted until {result.ClosedAt:O}; it was not applied."),
        };
    }
}

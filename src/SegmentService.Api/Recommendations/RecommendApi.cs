using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SegmentService.Api.Catalog;
using SegmentService.Api.Hosting;
using SegmentService.Api.Policy;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Recommendations;

public static class RecommendApi
{
    public const int DefaultCount = 10;
    public const int MaxCount = 100;

    public static IEndpointRouteBuilder MapRecommendApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/recommend")
            .WithTags("Recommend")
            .RequireAuthorization(AuthPolicies.Storefront)
            .MapGet("/", GetRecommendations)
            .WithName("GetRecommendations")
            .WithSummary("A slate of items for a user, ranked by their segment's Q-values with exploration")
            .WithDescription("Candidates are in-stock items, within `category` if given, minus `exclude` and the user's purchases. " +
                "Each item carries its propensity (the probability of being put in its slot) for off-policy evaluation. " +
                "Quote `recommendationId` in /feedback/click and /feedback/purchase.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <param name="userId">The shopper, 1–128 characters; an unknown user gets the cold-start segment.</param>
    /// <param name="count">Slate size, 1–100 (default 10).</param>
    /// <param name="category">Only items of this category.</param>
    /// <param name="exclude">Comma-separated item ids not to recommend.</param>
    /// <param name="recommender">The policy.</param>
    /// <param name="readiness">Waits for the policy's state at start-up.</param>
    /// <param name="options">/recommend settings.</param>
    /// <param name="cancellationToken">The request's token.</param>
    public static async Task<Results<Ok<RecommendResponse>, ProblemHttpResult>> GetRecommendations(
        string? userId,
        string? count,
        string? category,
        string? exclude,
        Recommender recommender,
        PolicyReadiness readiness,
        IOptions<RecommendOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        InputRules.CheckId(userId, "userId", errors);
        var size = DefaultCount;
        if (count is not null && (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxCount))
        {
            errors.Add("count", $"must be a whole number from 1 to {MaxCount}.");
        }
        if (category is not null)
        {
            InputRules.CheckText(category, "category", errors, CatalogLimits.MaxCategoryLength);
        }
        var excluded = InputRules.SplitIdList(exclude, "exclude", errors, options.Value.MaxExclude);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        if (!await readiness.WaitForRequestAsync(cancellationToken))
        {
            return PolicyReadiness.NotReadyProblem();
        }
        return TypedResults.Ok(recommender.Recommend(userId!, size, category, excluded));
    }
}

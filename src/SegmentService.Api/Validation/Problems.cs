using Microsoft.AspNetCore.Http.HttpResults;

namespace SegmentService.Api.Validation;

/// <summary>problem+json answers as one result type, so handlers can declare <c>Results&lt;Ok&lt;T&gt;, ProblemHttpResult&gt;</c>.</summary>
public static class Problems
{
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string title = "One or more fields are invalid.") =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = title,
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        });

    public static ProblemHttpResult Validation(string field, string message, string title = "One or more fields are invalid.") =>
        Validation(FieldErrors.For(field, message), title);

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);
}

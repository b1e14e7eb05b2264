using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SegmentService.Api.Hosting;
using SegmentService.Api.Storage;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Segmentation;

public static class SegmentsApi
{
    public static IEndpointRouteBuilder MapSegmentsApi(this IEndpointRouteBuilder app)
    {
        var segments = app.MapGroup("/segments").WithTags("Segments").RequireAuthorization(AuthPolicies.Admin);
        segments.MapGet("/", GetSegments)
            .WithName("GetSegments")
            .WithSummary("The segments of the run in force: key, label, size, centroid in original units, top items");
        segments.MapGet("/{key}", GetSegment)
            .WithName("GetSegment")
            .WithSummary("One segment of the run in force")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        var users = app.MapGroup("/users").WithTags("Segments").RequireAuthorization(AuthPolicies.Admin);
        users.MapGet("/{userId}/segment", GetUserSegment)
            .WithName("GetUserSegment")
            .WithSummary("A user's segment now, including live moves since the last run; unknown users are in the cold-start segment")
            .ProducesValidationProblem();
        return app;
    }

    public static async Task<Ok<SegmentResponse[]>> GetSegments(
        ISegmentDirectory directory, SegmentDbContext db, CancellationToken cancellationToken)
    {
        if (directory.CurrentRunId is not { } runId)
        {
            return TypedResults.Ok(Array.Empty<SegmentResponse>());
        }
        var rows = await db.Set<Segment>().AsNoTracking().Where(s => s.RunId == runId).OrderBy(s => s.Key).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(ToResponse).ToArray());
    }

    public static async Task<Results<Ok<SegmentResponse>, ProblemHttpResult>> GetSegment(
        string key, ISegmentDirectory directory, SegmentDbContext db, IOptions<SegmentationOptions> options, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!InputRules.CheckId(key, "key", errors))
        {
            return Problems.Validation(errors.ToDictionary());
        }
        if (key == options.Value.ColdStartKey)
        {
            return TypedResults.Ok(new SegmentResponse(key, options.Value.ColdStartLabel, 0,
                new Dictionary<string, double>(), [], null, directory.CurrentRunId ?? 0));
        }
        var runId = directory.CurrentRunId;
        var row = runId is null ? null : await db.Set<Segment>().AsNoTracking()
            .SingleOrDefaultAsync(s => s.RunId == runId && s.Key == key, cancellationToken);
        return row is null
            ? Problems.NotFound($"No segment '{key}' in the run in force.")
            : TypedResults.Ok(ToResponse(row));
    }

    public static Results<Ok<UserSegmentResponse>, ProblemHttpResult> GetUserSegment(string userId, ISegmentDirectory directory)
    {
        var errors = new FieldErrors();
        if (!InputRules.CheckId(userId, "userId", errors))
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var a = directory.Resolve(userId);
        var source = a.Source switch
        {
            AssignmentSource.Run => "run",
            AssignmentSource.Live => "live",
            _ => "cold-start",
        };
        return TypedResults.Ok(new UserSegmentResponse(a.UserId, new SegmentRef { Key = a.SegmentKey, Label = a.Label }, a.AssignedAt, source, a.RunId));
    }

    internal static SegmentResponse ToResponse(Segment s) => new(
        s.Key, s.Label, s.Size, RunJson.Deserialize<Dictionary<string, double>>(s.Centroid), s.TopItems, s.MatchedFrom, s.RunId);
}

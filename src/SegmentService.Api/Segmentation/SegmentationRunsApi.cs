using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SegmentService.Api.Hosting;
using SegmentService.Api.Profiles;
using SegmentService.Api.Storage;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Segmentation;

public static class SegmentationRunsApi
{
    public static IEndpointRouteBuilder MapSegmentationRunsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/segmentation/runs").WithTags("Segmentation").RequireAuthorization(AuthPolicies.Admin);
        group.MapPost("/", PostRun)
            .WithName("StartSegmentationRun")
            .WithSummary("Start a segmentation run now (202 + runId)")
            .WithDescription("Only one run at a time across all replicas: while one is running, a trigger answers 202 with the " +
                "running run's id (started: false). 409 only if another replica holds the run lock but its run row is not visible yet.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/", ListRuns)
            .WithName("ListSegmentationRuns")
            .WithSummary("Runs, newest first, with status, K, users and metrics")
            .ProducesValidationProblem();
        group.MapGet("/{runId}", GetRun)
            .WithName("GetSegmentationRun")
            .WithSummary("One run: status, K, users, metrics (every K tried), features and scaling, transition matrix, segments")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Accepted<RunStartedResponse>, ProblemHttpResult>> PostRun(
        SegmentationCoordinator coordinator, CancellationToken cancellationToken)
    {
        var trigger = await coordinator.TriggerAsync("manual", cancellationToken);
        if (trigger.RunId is not { } runId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A run is starting elsewhere",
                detail: "Another replica holds the segmentation lock; try again shortly.");
        }
        return TypedResults.Accepted($"/admin/segmentation/runs/{runId}", new RunStartedResponse(runId, trigger.Started));
    }

    public static async Task<Results<Ok<RunResponse[]>, ProblemHttpResult>> ListRuns(
        SegmentDbContext db, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
        {
            return Problems.Validation("limit", $"must be from 1 to 500 (got {limit}).");
        }
        var runs = await db.Set<SegmentationRun>().AsNoTracking()
            .OrderByDescending(r => r.RunId).Take(limit ?? 50).ToListAsync(cancellationToken);
        return TypedResults.Ok(runs.Select(r => ToResponse(r, includeDetail: false, null)).ToArray());
    }

    public static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> GetRun(
        string runId, SegmentDbContext db, CancellationToken cancellationToken)
    {
        if (!long.TryParse(runId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
        {
            return Problems.Validation("runId", $"must be a positive integer (got '{(runId.Length > 40 ? runId[..40] + "…" : runId)}').");
        }
        var run = await db.Set<SegmentationRun>().AsNoTracking().SingleOrDefaultAsync(r => r.RunId == id, cancellationToken);
        if (run is null)
        {
            return Problems.NotFound($"No segmentation run {id}.");
        }
        var segments = await db.Set<Segment>().AsNoTracking().Where(s => s.RunId == id).OrderBy(s => s.Key).ToListAsync(cancellationToken);
        return TypedResults.Ok(ToResponse(run, includeDetail: true, [.. segments.Select(SegmentsApi.ToResponse)]));
    }

    private static RunResponse ToResponse(SegmentationRun r, bool includeDetail, IReadOnlyList<SegmentResponse>? segments) => new(
        r.RunId, r.Status, r.Trigger, r.K, r.Users,
        r.Metrics is null ? null : RunJson.Deserialize<RunMetrics>(r.Metrics),
        includeDetail && r.Features is not null ? RunJson.Deserialize<FeatureSpec[]>(r.Features) : null,
        includeDetail && r.Transitions is not null ? RunJson.Deserialize<SegmentTransition[]>(r.Transitions) : null,
        segments, r.PreviousRunId, r.StartedAt, r.FinishedAt, r.Error);
}

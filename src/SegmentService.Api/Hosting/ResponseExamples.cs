using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using SegmentService.Api.Catalog;
using SegmentService.Api.Dashboard;
using SegmentService.Api.Events;
using SegmentService.Api.Policy;
using SegmentService.Api.Profiles;
using SegmentService.Api.Segmentation;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SegmentService.Api.Hosting;

/// <summary>
/// Whole-answer examples for the operations whose answers nest records without per-property examples. They are typed
/// instances of the contracts, serialised with the API's own JSON options, so an example cannot drift from the answer.
/// </summary>
public sealed class ResponseExampleOperationFilter(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IOperationFilter
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);

    private static readonly ItemResponse Item = new("sku-9", "shoes", 49.0m, true, "Trail runner", At);

    private static readonly SegmentResponse Segment = new(
        "seg-3", "recent, high spend, shoes", 1240,
        new Dictionary<string, double> { ["recencyDays"] = 3.2, ["purchases"] = 4.1, ["share:shoes"] = 0.62 },
        ["sku-9", "sku-12", "sku-4"], "seg-3", 5);

    private static readonly RunResponse Run = new(
        5, "succeeded", "schedule", 4, 5210,
        new RunMetrics("silhouette on a 2,000-user sample", 0.41, 0.93, 1.72, 3, 1,
            [new KScore(3, 0.37, 1.05, 2.01), new KScore(4, 0.41, 0.93, 1.72), new KScore(5, 0.39, 0.98, 1.55)],
            new Dictionary<string, long> { ["read"] = 120, ["fit"] = 340, ["write"] = 95 }),
        [new FeatureSpec("recencyDays", FeatureTransform.Log1P, 1.4, 0.8), new FeatureSpec("share:shoes", FeatureTransform.None, 0.21, 0.3)],
        [new SegmentTransition("seg-3", "seg-3", 1100), new SegmentTransition("cold-start", "seg-3", 140)],
        [Segment], 4, At, At.AddSeconds(2), null);

    private static readonly Dictionary<string, (string Status, object Example)> Examples = new(StringComparer.Ordinal)
    {
        ["PutItem"] = ("200", Item),
        ["GetItem"] = ("200", Item),
        ["PostItems"] = ("200", new ItemBatchResult(2, [new RejectedItem(2, "sku-x", new Dictionary<string, string[]> { ["price"] = ["must be from 0 to 1,000,000,000."] })])),
        ["PostEvents"] = ("200", new EventBatchResult(998, 1, [new RejectedEvent(7, "e-8", new Dictionary<string, string[]> { ["type"] = ["must be one of view, click, add_to_cart, purchase."] })])),
        ["GetPolicyEvaluation"] = ("200", new PolicyEvaluation(
            At.AddDays(-1), At, 17, At.AddDays(-1).AddMinutes(-3), 1000, 10000, 0.05,
            "slate IPS with cumulative per-slot ratios (and its self-normalised form)",
            new EstimateValues(0.07, 0.01, 0.068, 0.008), new EstimateValues(0.06, 0.009, 0.061, 0.007))),
        ["GetPolicyHistory"] = ("200", new PolicyHistory(At.AddHours(-1), At, 300,
            [new HistoryPoint(At.AddHours(-1), "seg-3", 120, 600, 42, 0.07, 0.11), new HistoryPoint(At.AddMinutes(-55), "seg-3", 131, 655, 51, 0.078, 0.13)])),
        ["StartSegmentationRun"] = ("202", new RunStartedResponse(5, true)),
        ["ListSegmentationRuns"] = ("200", new[] { Run with { Segments = null } }),
        ["GetSegmentationRun"] = ("200", Run),
        ["GetSegments"] = ("200", new[] { Segment }),
        ["GetSegment"] = ("200", Segment),
        ["GetUserSegment"] = ("200", new UserSegmentResponse("u42", new SegmentRef { Key = "seg-3", Label = "recent, high spend, shoes" }, At, "live", 5)),
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.OperationId is not { } id || !Examples.TryGetValue(id, out var example)
            || operation.Responses?.TryGetValue(example.Status, out var response) != true
            || response!.Content?.TryGetValue("application/json", out var media) != true || media is not OpenApiMediaType mediaType)
        {
            return;
        }
        mediaType.Example = JsonSerializer.SerializeToNode(example.Example, example.Example.GetType(), json.Value.SerializerOptions);
    }
}

using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SegmentService.Api.Hosting;

/// <summary>
/// The longer description of each operation (by operationId) where its endpoint does not set one with
/// WithDescription: what it does, who calls it and what its answers mean. One place, so API.md and this stay in step.
/// </summary>
public sealed class OperationDescriptions : IDocumentFilter
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["PutItem"] = "Creates or replaces one catalogue item. Items out of stock are never recommended; events may name items before they are catalogued.",
        ["GetItem"] = "Returns one catalogue item as stored. 404 when the catalogue has no such item.",
        ["PostItems"] = "Creates or replaces up to 1,000 items in one request; every item is validated first and a bad one rejects the request with its index.",
        ["PostEvents"] = "Stores up to 1,000 behaviour events. Valid events are stored once (a repeated eventId counts as a duplicate); invalid ones are listed under `rejected` with their errors while the rest are stored.",
        ["PostClickFeedback"] = "Rewards a click on an item of a recommendation. Applied once per recommendation and item; a repeat answers 200 with `applied: false`. 404 for an unknown recommendation, 422 for an item it did not show, 410 after the reward window.",
        ["PostPurchaseFeedback"] = "Rewards a purchase of an item of a recommendation, with the amount paid. Same rules as click feedback: once per recommendation and item, 404/422/410 otherwise.",
        ["GetRecommendations"] = "Recommends up to `count` in-stock items for the user's segment, with each item's score, propensity and whether it was explored. The answer is logged as an impression so feedback can refer to it.",
        ["GetPolicy"] = "The Q-table at a glance: for each segment, its top items by learnt value with their visit counts, and the policy's exploration, learning rate and discount.",
        ["GetPolicyEvaluation"] = "Off-policy estimates (IPS, SNIPS) of the current policy's mean reward on logged impressions, beside the logged policy's own mean reward.",
        ["StartSegmentationRun"] = "Starts a K-means segmentation run in the background and answers 202 with its id; when a run is already going, answers with that run's id instead of starting another.",
        ["ListSegmentationRuns"] = "Segmentation runs, newest first, with their status, K, users, quality metrics and the transition counts between the previous run's segments and this run's.",
        ["GetSegmentationRun"] = "One segmentation run with its metrics, features, transitions and segments. 404 when no run has that id.",
        ["GetSegments"] = "The segments of the run in force, with sizes, readable labels, centroids in original units and top items. Empty before the first successful run.",
        ["GetSegment"] = "One segment of the run in force. 404 when the run in force has no segment with that key.",
        ["GetUserSegment"] = "The segment a user is in now: the last run's assignment or a live move since; users no run has seen are in the cold-start segment.",
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        foreach (var path in swaggerDoc.Paths.Values)
        {
            if (path.Operations is null)
            {
                continue;
            }
            foreach (var operation in path.Operations.Values)
            {
                if (string.IsNullOrEmpty(operation.Description) && operation.OperationId is { } id && Descriptions.TryGetValue(id, out var text))
                {
                    operation.Description = text;
                }
            }
        }
    }
}

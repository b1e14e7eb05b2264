using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SegmentService.Api.Hosting;

/// <summary>Document-level parts Swashbuckle leaves out: a description per tag (what the group is for and who calls it).</summary>
public sealed class OpenApiDocumentFilter : IDocumentFilter
{
    private static readonly (string Name, string Description)[] Tags =
    [
        ("Events", "Behaviour events from the storefront (views, clicks, carts, purchases): idempotent by eventId. Storefront or frontend key."),
        ("Catalog", "The item catalogue: category, price, stock. Only catalogued, in-stock items are recommended. Storefront key."),
        ("Recommend", "Segment-aware recommendations with their propensities; each answer is logged as an impression for feedback. Storefront key."),
        ("Feedback", "Clicks and purchases on recommended items: the rewards the policy learns from, within the reward window. Storefront or frontend key."),
        ("Segments", "The segments of the run in force and the segment of a user. Admin key."),
        ("Segmentation", "K-means segmentation runs: start one, follow it, list them with metrics and transitions. Admin key."),
        ("Policy", "The learnt values per segment, their history (CTR, mean reward) and off-policy evaluation. Admin key."),
        ("Platform", "Liveness, readiness and Prometheus metrics. No key."),
    ];

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var used = swaggerDoc.Tags?.Select(t => t.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        swaggerDoc.Tags = new HashSet<OpenApiTag>(
            Tags.Where(t => used.Count == 0 || used.Contains(t.Name)).Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SegmentService.Api.Hosting;
using SegmentService.Api.Storage;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Catalog;

public static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/items")
            .WithTags("Catalog")
            .RequireAuthorization(AuthPolicies.Storefront);

        group.MapPut("/{itemId}", PutItem)
            .WithName("PutItem")
            .WithSummary("Create or replace one catalogue item")
            .Accepts<ItemRequest>("application/json")
            .ProducesJsonBodyErrors();

        group.MapPost("/", PostItems)
            .WithName("PostItems")
            .WithSummary("Upsert a batch of up to 1,000 catalogue items")
            .WithDescription("Valid entries are stored; invalid ones are reported by index with field errors.")
            .Accepts<ItemBatchRequest>("application/json")
            .ProducesJsonBodyErrors();

        group.MapGet("/{itemId}", GetItem)
            .WithName("GetItem")
            .WithSummary("Read one catalogue item")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> PutItem(
        string itemId, HttpRequest request, ItemWriter writer, SegmentDbContext db, CancellationToken cancellationToken)
    {
        var routeErrors = new FieldErrors();
        if (!InputRules.CheckId(itemId, "itemId", routeErrors))
        {
            return Problems.Validation(routeErrors.ToDictionary());
        }
        var body = await JsonBody.ReadAsync(request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        using var document = body.Document!;
        var errors = new FieldErrors();
        if (ItemValidator.Validate(document.RootElement, itemId, errors) is not { } item)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        await writer.UpsertAsync([item], cancellationToken);
        var stored = await db.Set<Item>().AsNoTracking().SingleAsync(i => i.ItemId == itemId, cancellationToken);
        return TypedResults.Ok(ItemResponse.From(stored));
    }

    public static async Task<Results<Ok<ItemBatchResult>, ProblemHttpResult>> PostItems(
        HttpRequest request, ItemWriter writer, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        using var document = body.Document!;
        if (JsonBody.GetArray(document, "items", CatalogLimits.MaxItemsPerRequest, out var array) is { } problem)
        {
            return problem;
        }
        var valid = new List<ValidItem>(array.GetArrayLength());
        var rejected = new List<RejectedItem>();
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var errors = new FieldErrors();
            if (ItemValidator.Validate(element, null, errors) is { } item)
            {
                valid.Add(item);
            }
            else
            {
                rejected.Add(new RejectedItem(index, JsonFields.ReadableId(element, "itemId"), errors.ToDictionary()));
            }
            index++;
        }
        var upserted = await writer.UpsertAsync(valid, cancellationToken);
        return TypedResults.Ok(new ItemBatchResult(upserted, rejected));
    }

    public static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> GetItem(
        string itemId, SegmentDbContext db, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!InputRules.CheckId(itemId, "itemId", errors))
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var item = await db.Set<Item>().AsNoTracking().SingleOrDefaultAsync(i => i.ItemId == itemId, cancellationToken);
        return item is null
            ? Problems.NotFound($"No item '{itemId}' in the catalogue.")
            : TypedResults.Ok(ItemResponse.From(item));
    }
}

using System.Text.Json;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Catalog;

/// <summary>An item that passed validation, ready to upsert.</summary>
public readonly record struct ValidItem(string ItemId, string Category, decimal Price, bool InStock, string? Title);

public static class ItemValidator
{
    /// <summary>Validates an item body; <paramref name="routeItemId"/> is set for PUT /items/{itemId}.</summary>
    public static ValidItem? Validate(JsonElement element, string? routeItemId, FieldErrors errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add("item", $"must be an object (got {JsonFields.Describe(element.ValueKind)}).");
            return null;
        }

        string? itemId;
        if (routeItemId is null)
        {
            itemId = JsonFields.GetString(element, "itemId", errors);
            InputRules.CheckId(itemId, "itemId", errors);
        }
        else
        {
            itemId = routeItemId;
            var bodyId = JsonFields.GetString(element, "itemId", errors);
            if (bodyId is not null && bodyId != routeItemId)
            {
                errors.Add("itemId", "must match the itemId in the path when given.");
            }
        }

        var category = JsonFields.GetString(element, "category", errors);
        if (category is null)
        {
            errors.Add("category", "is required.");
        }
        else
        {
            InputRules.CheckText(category, "category", errors, CatalogLimits.MaxCategoryLength);
        }

        var price = JsonFields.GetDecimal(element, "price", errors);
        if (price is null)
        {
            if (!JsonFields.TryGet(element, "price", out _))
            {
                errors.Add("price", "is required.");
            }
        }
        else if (price is < 0 or > CatalogLimits.MaxPrice)
        {
            errors.Add("price", $"must be from 0 to {CatalogLimits.MaxPrice:N0}.");
        }

        var inStock = JsonFields.GetBoolean(element, "inStock", errors) ?? true;
        var title = JsonFields.GetString(element, "title", errors);
        if (title is not null)
        {
            InputRules.CheckText(title, "title", errors, CatalogLimits.MaxTitleLength);
        }

        return errors.Any ? null : new ValidItem(itemId!, category!, price!.Value, inStock, title);
    }
}

namespace SegmentService.Api.Catalog;

/// <summary>An item's fields for PUT /items/{itemId}.</summary>
/// <param name="Category">Category name, at most 64 characters. <example>shoes</example></param>
/// <param name="Price">Price, ≥ 0. <example>49.0</example></param>
/// <param name="InStock">Whether the item can be recommended; defaults to true. <example>true</example></param>
/// <param name="Title">Optional display title, at most 512 characters. <example>Trail runner</example></param>
public sealed record ItemRequest(string Category, decimal Price, bool? InStock, string? Title);

/// <summary>An item in a POST /items batch.</summary>
/// <param name="ItemId">The item's id, 1–128 characters. <example>sku-9</example></param>
/// <param name="Category">Category name, at most 64 characters. <example>shoes</example></param>
/// <param name="Price">Price, ≥ 0. <example>49.0</example></param>
/// <param name="InStock">Whether the item can be recommended; defaults to true. <example>true</example></param>
/// <param name="Title">Optional display title. <example>Trail runner</example></param>
public sealed record ItemBatchEntry(string ItemId, string Category, decimal Price, bool? InStock, string? Title);

/// <summary>A batch of up to 1,000 items to upsert.</summary>
public sealed record ItemBatchRequest(IReadOnlyList<ItemBatchEntry> Items);

/// <summary>What happened to an item batch.</summary>
/// <param name="Upserted">Distinct items inserted or updated (a repeated id counts once; its last entry wins).</param>
/// <param name="Rejected">Entries that failed validation, by index.</param>
public sealed record ItemBatchResult(int Upserted, IReadOnlyList<RejectedItem> Rejected);

/// <summary>An item entry that was not stored, and why.</summary>
public sealed record RejectedItem(int Index, string? ItemId, IDictionary<string, string[]> Errors);

/// <summary>A catalogue item.</summary>
public sealed record ItemResponse(string ItemId, string Category, decimal Price, bool InStock, string? Title, DateTimeOffset UpdatedAt)
{
    public static ItemResponse From(Item item) =>
        new(item.ItemId, item.Category, item.Price, item.InStock, item.Title, item.UpdatedAt);
}

namespace SegmentService.Api.Catalog;

/// <summary>An item's fields for PUT /items/{itemId}.</summary>
public record ItemRequest
{
    /// <summary>Category name, 1–64 characters.</summary>
    /// <example>shoes</example>
    public required string Category { get; init; }

    /// <summary>Price, from 0.</summary>
    /// <example>49.0</example>
    public required decimal Price { get; init; }

    /// <summary>Whether the item can be recommended; defaults to true.</summary>
    /// <example>true</example>
    public bool? InStock { get; init; }

    /// <summary>Optional display title, at most 512 characters.</summary>
    /// <example>Trail runner</example>
    public string? Title { get; init; }
}

/// <summary>An item in a POST /items batch.</summary>
public sealed record ItemBatchEntry : ItemRequest
{
    /// <summary>The item's id, 1–128 characters.</summary>
    /// <example>sku-9</example>
    public required string ItemId { get; init; }
}

/// <summary>A batch of up to 1,000 items to upsert.</summary>
public sealed record ItemBatchRequest
{
    /// <summary>The items; when an id repeats, its last entry wins.</summary>
    public required IReadOnlyList<ItemBatchEntry> Items { get; init; }
}

/// <summary>What happened to an item batch.</summary>
/// <param name="Upserted">Distinct items inserted or updated.</param>
/// <param name="Rejected">Entries that failed validation, by index.</param>
public sealed record ItemBatchResult(int Upserted, IReadOnlyList<RejectedItem> Rejected);

/// <summary>An item entry that was not stored, and why.</summary>
/// <param name="Index">Zero-based position in the batch.</param>
/// <param name="ItemId">The entry's id as sent, if it had a readable one.</param>
/// <param name="Errors">Field name → reasons.</param>
public sealed record RejectedItem(int Index, string? ItemId, IDictionary<string, string[]> Errors);

/// <summary>A catalogue item.</summary>
public sealed record ItemResponse(string ItemId, string Category, decimal Price, bool InStock, string? Title, DateTimeOffset UpdatedAt)
{
    public static ItemResponse From(Item item) =>
        new(item.ItemId, item.Category, item.Price, item.InStock, item.Title, item.UpdatedAt);
}

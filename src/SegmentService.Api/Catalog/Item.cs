using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Catalog;

/// <summary>A catalogue item. Only items in the catalogue and in stock are recommended.</summary>
public sealed class Item
{
    public required string ItemId { get; init; }
    public required string Category { get; set; }
    public decimal Price { get; set; }
    public bool InStock { get; set; }
    public string? Title { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ItemConfiguration : IEntityTypeConfiguration<Item>
{
    public void Configure(EntityTypeBuilder<Item> builder)
    {
        builder.ToTable("items");
        builder.HasKey(i => i.ItemId);
        builder.Property(i => i.ItemId).HasMaxLength(CatalogLimits.MaxIdLength);
        builder.Property(i => i.Category).HasMaxLength(CatalogLimits.MaxCategoryLength);
        builder.Property(i => i.Title).HasMaxLength(CatalogLimits.MaxTitleLength);
        builder.Property(i => i.Price).HasPrecision(19, 4);
        builder.HasIndex(i => i.Category);
    }
}

public static class CatalogLimits
{
    public const int MaxIdLength = Validation.InputRules.MaxIdLength;
    public const int MaxCategoryLength = 64;
    public const int MaxTitleLength = 512;
    public const int MaxItemsPerRequest = 1000;
    public const decimal MaxPrice = 1_000_000_000_000m;
}

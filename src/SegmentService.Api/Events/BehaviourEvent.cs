using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Events;

/// <summary>One stored behaviour event. Rows are written by <see cref="EventWriter"/>; EF only maps them.</summary>
public sealed class BehaviourEvent
{
    public required string EventId { get; init; }
    public required string UserId { get; init; }
    public EventType Type { get; init; }
    public required string ItemId { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public decimal? Value { get; init; }
    public int? Quantity { get; init; }
    public string? SessionId { get; init; }
    public string? Source { get; init; }
}

public sealed class BehaviourEventConfiguration : IEntityTypeConfiguration<BehaviourEvent>
{
    public void Configure(EntityTypeBuilder<BehaviourEvent> builder)
    {
        builder.ToTable("events");
        builder.HasKey(e => e.EventId);
        builder.Property(e => e.EventId).HasMaxLength(EventLimits.MaxIdLength);
        builder.Property(e => e.UserId).HasMaxLength(EventLimits.MaxIdLength);
        builder.Property(e => e.ItemId).HasMaxLength(EventLimits.MaxIdLength);
        builder.Property(e => e.SessionId).HasMaxLength(EventLimits.MaxIdLength);
        builder.Property(e => e.Source).HasMaxLength(EventLimits.MaxSourceLength);
        builder.Property(e => e.Type).HasConversion<short>();
        builder.Property(e => e.Value).HasPrecision(19, 4);
        builder.HasIndex(e => new { e.UserId, e.OccurredAt });
        builder.HasIndex(e => new { e.ItemId, e.OccurredAt });
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Policy;

/// <summary>A stored Q-table: every row with the feedback sequence number it includes (binary body, exact doubles).</summary>
public sealed class PolicySnapshot
{
    public long Version { get; init; }
    public DateTimeOffset TakenAt { get; init; }
    public int Segments { get; init; }
    public required byte[] Body { get; init; }
}

public sealed class PolicySnapshotConfiguration : IEntityTypeConfiguration<PolicySnapshot>
{
    public void Configure(EntityTypeBuilder<PolicySnapshot> builder)
    {
        builder.ToTable("policy_snapshots");
        builder.HasKey(s => s.Version);
        builder.Property(s => s.Version).ValueGeneratedNever();
    }
}

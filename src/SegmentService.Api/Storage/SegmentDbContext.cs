using System.Text;
using Microsoft.EntityFrameworkCore;

namespace SegmentService.Api.Storage;

public sealed class SegmentDbContext(DbContextOptions<SegmentDbContext> options) : DbContext(options)
{
    public DbSet<Catalog.Item> Items => Set<Catalog.Item>();
    public DbSet<Events.BehaviourEvent> Events => Set<Events.BehaviourEvent>();
    public DbSet<Recommendations.Impression> Impressions => Set<Recommendations.Impression>();
    public DbSet<Feedback.FeedbackEntry> Feedback => Set<Feedback.FeedbackEntry>();
    public DbSet<Policy.PolicySnapshot> PolicySnapshots => Set<Policy.PolicySnapshot>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(SegmentDbContext).Assembly);
        UseSnakeCaseNames(modelBuilder);
    }

    // Hot paths write with hand-written SQL; snake_case keeps that SQL free of quoted identifiers.
    private static void UseSnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table)
            {
                entity.SetTableName(ToSnakeCase(table));
            }
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.GetColumnName()));
            }
            foreach (var key in entity.GetKeys())
            {
                key.SetName(ToSnakeCase(key.GetName()!));
            }
            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(ToSnakeCase(index.GetDatabaseName()!));
            }
            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName(ToSnakeCase(foreignKey.GetConstraintName()!));
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && !char.IsUpper(name[i - 1]))
                {
                    builder.Append('_');
                }
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}

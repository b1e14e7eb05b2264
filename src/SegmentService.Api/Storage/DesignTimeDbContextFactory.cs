using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SegmentService.Api.Storage;

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<SegmentDbContext>
{
    public SegmentDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SegmentDbContext>()
            .UseNpgsql("Host=localhost;Database=segmentservice_design")
            .Options);
}

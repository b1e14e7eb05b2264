using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Storage;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Hosting;

public sealed class MigrationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task ConcurrentMigrationsOnAFreshDatabaseBothSucceed()
    {
        var fresh = await TestPostgres.CreateDatabaseAsync("ss_migrate");
        try
        {
            await using var replicaA = new FreshDatabaseFactory(fresh);
            await using var replicaB = new FreshDatabaseFactory(fresh);
            // Both hosts run MigrateOnStart as they start; start them together.
            await Task.WhenAll(Task.Run(() => replicaA.Server), Task.Run(() => replicaB.Server));

            await using var scope = replicaA.Services.CreateAsyncScope();
            var migrator = scope.ServiceProvider.GetRequiredService<DatabaseMigrator>();
            Assert.True(await migrator.CheckUpToDateAsync(CancellationToken.None));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(fresh);
        }
        _ = factory;
    }

    private sealed class FreshDatabaseFactory : ApiFactory
    {
        public FreshDatabaseFactory(string connectionString) => JoinDatabase(connectionString);

        // The test starts both hosts itself, at once.
        public override Task InitializeAsync() => Task.CompletedTask;

    }
}

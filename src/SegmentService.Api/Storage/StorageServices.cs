using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace SegmentService.Api.Storage;

public static class StorageServices
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton(serviceProvider => CreateDataSource(
            serviceProvider.GetRequiredService<IConfiguration>(),
            serviceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value));
        services.AddDbContextPool<SegmentDbContext>((serviceProvider, options) =>
            options.UseNpgsql(serviceProvider.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }

    private static NpgsqlDataSource CreateDataSource(IConfiguration configuration, DatabaseOptions options)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. Set it in appsettings or as the environment variable ConnectionStrings__Postgres.");
        }
        try
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            // A connection string that sets its own Timeout keeps it; otherwise an outage is noticed within ConnectTimeout.
            var given = new NpgsqlConnectionStringBuilder(connectionString);
            if (!given.ContainsKey("Timeout"))
            {
                builder.ConnectionStringBuilder.Timeout = Math.Max(1, (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds));
            }
            if (!given.ContainsKey("Max Auto Prepare"))
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = options.MaxAutoPrepare;
            }
            return builder.Build();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:Postgres is not a valid Npgsql connection string: {ex.Message}", ex);
        }
    }
}

public static class DatabaseStartup
{
    /// <summary>Runs the start-up validation of every options class now, so a bad setting stops the service before it touches the database.</summary>
    public static void ValidateOptionsBeforeStart(this WebApplication app) =>
        app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

    public static async Task MigrateDatabaseIfConfiguredAsync(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value.MigrateOnStart)
        {
            await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
        }
    }
}

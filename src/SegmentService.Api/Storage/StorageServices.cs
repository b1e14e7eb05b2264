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
            serviceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value,
            sessionLocks: false));
        services.AddKeyedSingleton(SessionLocks, (serviceProvider, _) => CreateDataSource(
            serviceProvider.GetRequiredService<IConfiguration>(),
            serviceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value,
            sessionLocks: true));
        services.AddDbContextPool<SegmentDbContext>((serviceProvider, options) =>
            options.UseNpgsql(serviceProvider.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }

    /// <summary>
    /// The key of the data source for connections that hold a session-level advisory lock (migrations, segmentation
    /// runs). Its pooled connections are reset when returned, so a lock left behind by a failure is released; the
    /// main data source skips that reset (see <see cref="CreateDataSource"/>).
    /// </summary>
    public const string SessionLocks = "session-locks";

    /// <remarks>
    /// The main data source returns connections to the pool without Npgsql's reset (No Reset On Close): with
    /// prepared statements that reset is seven statements (RESET ALL, CLOSE ALL, UNLISTEN *,
    /// pg_advisory_unlock_all(), …) parsed and run on every reuse, about one per feedback group commit. Nothing
    /// on that source changes session state: no SET, LISTEN, cursors or temporary tables, and every advisory
    /// lock is taken on the <see cref="SessionLocks"/> source, which keeps the reset. A connection string that
    /// sets No Reset On Close keeps its value on the main source.
    /// </remarks>
    private static NpgsqlDataSource CreateDataSource(IConfiguration configuration, DatabaseOptions options, bool sessionLocks)
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
            if (sessionLocks)
            {
                builder.ConnectionStringBuilder.NoResetOnClose = false;
                // Two holders at most (a migration, a segmentation run), each on one connection.
                builder.ConnectionStringBuilder.MaxPoolSize = Math.Min(builder.ConnectionStringBuilder.MaxPoolSize, 4);
                builder.ConnectionStringBuilder.MinPoolSize = 0;
            }
            else if (!given.ContainsKey("No Reset On Close"))
            {
                builder.ConnectionStringBuilder.NoResetOnClose = true;
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

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
            ApplySettings(builder.ConnectionStringBuilder, options, sessionLocks);
            return builder.Build();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:Postgres is not a valid Npgsql connection string: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Fills in what the connection string leaves unset: Timeout (so an outage is noticed within ConnectTimeout),
    /// Max Auto Prepare and No Reset On Close; a value the connection string sets is kept (except on the
    /// <see cref="SessionLocks"/> source, which always resets).
    /// </summary>
    internal static void ApplySettings(NpgsqlConnectionStringBuilder settings, DatabaseOptions options, bool sessionLocks)
    {
        // Keys lists only what the connection string set, by canonical name (ContainsKey is true for every keyword
        // Npgsql knows, so checking it left these defaults unapplied).
        var given = settings.Keys.Cast<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!given.Contains("Timeout"))
        {
            settings.Timeout = Math.Max(1, (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds));
        }
        if (!given.Contains("Max Auto Prepare"))
        {
            settings.MaxAutoPrepare = options.MaxAutoPrepare;
        }
        if (sessionLocks)
        {
            settings.NoResetOnClose = false;
            // Two holders at most (a migration, a segmentation run), each on one connection.
            settings.MaxPoolSize = Math.Min(settings.MaxPoolSize, 4);
            settings.MinPoolSize = 0;
        }
        else if (!given.Contains("No Reset On Close"))
        {
            settings.NoResetOnClose = true;
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

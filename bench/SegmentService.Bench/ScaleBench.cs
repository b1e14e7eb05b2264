using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Profiles;
using SegmentService.Api.Segmentation;
using SegmentService.Api.Storage;

namespace SegmentService.Bench;

/// <summary>Writes synthetic profiles straight into PostgreSQL (COPY), then times full segmentation runs.</summary>
internal static class ScaleBench
{
    private static readonly string[] Categories = ["shoes", "books", "toys", "garden", "music", "games", "tools", "beauty", "food", "sport", "home", "kids"];

    private static IHost BuildHost(Dictionary<string, string> options, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:Postgres"] = options.Required("db");
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Configuration["Logging:LogLevel:SegmentService.Api.Segmentation.SegmentationRunner"] = "Information";
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddStorage();
        builder.Services.AddProfiles();
        builder.Services.AddSegmentation();
        return builder.Build();
    }

    public static async Task GenerateAsync(Dictionary<string, string> options)
    {
        var users = options.Int("users", 1_000_000);
        using var host = BuildHost(options);
        await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var truncate = dataSource.CreateCommand(
            "TRUNCATE user_profiles, live_assignments, segment_assignments, segments, segmentation_runs"))
        {
            await truncate.ExecuteNonQueryAsync();
        }
        var clock = Stopwatch.StartNew();
        var now = DateTime.UtcNow;
        var random = new Random(1);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY user_profiles (user_id, first_seen, last_seen, ref_time, views, clicks, carts, purchases, units, spend,
                                d_views, d_clicks, d_carts, d_purchases, d_spend, categories) FROM STDIN (FORMAT BINARY)
            """))
        {
            for (var i = 0; i < users; i++)
            {
                // Eight behaviour groups: each has a favourite category, a spend level and a funnel shape.
                var group = i % 8;
                var scale = 0.5 + random.NextDouble();
                var views = Math.Round((10 + 5 * group) * scale);
                var clicks = Math.Round(views * (0.2 + 0.05 * group) * (0.7 + 0.6 * random.NextDouble()));
                var carts = Math.Round(clicks * 0.5 * (0.5 + random.NextDouble()));
                var purchases = Math.Round(carts * (0.3 + 0.08 * group) * (0.5 + random.NextDouble()));
                var spend = purchases * (5 * Math.Pow(2, group)) * (0.7 + 0.6 * random.NextDouble());
                var lastSeen = now.AddHours(-random.Next(24 * (1 + group * 5)));
                var favourite = Categories[group];
                var other = Categories[8 + random.Next(4)];
                var total = views + clicks + carts + purchases;
                var categories = $"{{\"{favourite}\": {total * 0.8:F3}, \"{other}\": {total * 0.2:F3}}}";
                copy.StartRow();
                copy.Write($"user-{i}", NpgsqlDbType.Text);
                copy.Write(lastSeen.AddDays(-30), NpgsqlDbType.TimestampTz);
                copy.Write(lastSeen, NpgsqlDbType.TimestampTz);
                copy.Write(lastSeen, NpgsqlDbType.TimestampTz);
                copy.Write((long)views, NpgsqlDbType.Bigint);
                copy.Write((long)clicks, NpgsqlDbType.Bigint);
                copy.Write((long)carts, NpgsqlDbType.Bigint);
                copy.Write((long)purchases, NpgsqlDbType.Bigint);
                copy.Write((long)purchases, NpgsqlDbType.Bigint);
                copy.Write(spend, NpgsqlDbType.Double);
                copy.Write(views, NpgsqlDbType.Double);
                copy.Write(clicks, NpgsqlDbType.Double);
                copy.Write(carts, NpgsqlDbType.Double);
                copy.Write(purchases, NpgsqlDbType.Double);
                copy.Write(spend, NpgsqlDbType.Double);
                copy.Write(categories, NpgsqlDbType.Jsonb);
            }
            await copy.CompleteAsync();
        }
        await using (var analyze = new NpgsqlCommand("VACUUM ANALYZE user_profiles", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }
        Console.WriteLine($"scale-generate: {users:N0} profiles written by COPY in {clock.Elapsed.TotalSeconds:F1} s");
    }

    public static async Task RunAsync(Dictionary<string, string> options)
    {
        var settings = new List<(string, string)>
        {
            ("Segmentation:MinUsers", "10"),
            ("Segmentation:ScheduleEnabled", "false"),
            ("Segmentation:TopCategories", "8"),
            ("Segmentation:FeatureWindow", "365.00:00:00"),
        };
        // The service's defaults (K chosen from Segmentation:KRange) unless --k fixes K or --krange names a range.
        if (options.TryGetValue("k", out var k))
        {
            settings.Add(("Segmentation:K", k));
        }
        if (options.TryGetValue("krange", out var range))
        {
            settings.Add(("Segmentation:KRange", range));
        }
        using var host = BuildHost(options, [.. settings]);
        await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var coordinator = host.Services.GetRequiredService<SegmentationCoordinator>();
        var directory = host.Services.GetRequiredService<SegmentDirectory>();
        for (var i = 0; i < options.Int("runs", 1); i++)
        {
            var clock = Stopwatch.StartNew();
            var trigger = await coordinator.TriggerAsync("manual", CancellationToken.None);
            await trigger.Completion!;
            var seconds = clock.Elapsed.TotalSeconds;
            var state = directory.Current ?? throw new InvalidOperationException("the run did not succeed (see the log above)");
            await using var command = host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
                $"SELECT metrics->'timingsMs', k, users FROM segmentation_runs WHERE run_id = {trigger.RunId}");
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Console.WriteLine($"scale-run {i + 1}: run {trigger.RunId}: {reader.GetInt32(2):N0} users, K = {reader.GetInt32(1)}, " +
                $"{seconds:F1} s wall (features, fit, write-back, in force); steps ms {reader.GetString(0)}; " +
                $"peak working set so far {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB");
            _ = state;
        }
    }
}

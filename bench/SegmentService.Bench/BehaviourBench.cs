using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Events;
using SegmentService.Api.Storage;

namespace SegmentService.Bench;

/// <summary>Writes synthetic behaviour events straight into PostgreSQL (COPY), then times the Behaviour start-up rebuild.</summary>
internal static class BehaviourBench
{
    private static IHost BuildHost(Dictionary<string, string> options)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:Postgres"] = options.Required("db");
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddStorage();
        builder.Services.AddBehaviour();
        return builder.Build();
    }

    /// <summary>
    /// Events over the last 300 days in time order: users have two of 200 themes (500 items each) and pick items
    /// with a skew inside them; 60% views, 20% clicks, 12% carts, 8% purchases.
    /// </summary>
    public static async Task GenerateAsync(Dictionary<string, string> options)
    {
        var events = options.Int("events", 10_000_000);
        var users = options.Int("users", 500_000);
        const int Themes = 200, PerTheme = 500;
        using var host = BuildHost(options);
        await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var truncate = dataSource.CreateCommand("TRUNCATE events"))
        {
            await truncate.ExecuteNonQueryAsync();
        }
        var clock = Stopwatch.StartNew();
        var start = DateTime.UtcNow.AddDays(-300);
        var step = TimeSpan.FromDays(300) / events;
        var random = new Random(7);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY events (event_id, user_id, type, item_id, occurred_at, received_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var k = 0; k < events; k++)
            {
                var user = random.Next(users);
                var theme = (user * 7 + (random.NextDouble() < 0.7 ? 0 : 1 + user % 3)) % Themes;
                var item = theme * PerTheme + (int)(PerTheme * Math.Pow(random.NextDouble(), 3));
                var roll = random.NextDouble();
                var type = roll < 0.6 ? EventType.View : roll < 0.8 ? EventType.Click : roll < 0.92 ? EventType.AddToCart : EventType.Purchase;
                var at = start + step * k;
                copy.StartRow();
                copy.Write($"g{k}", NpgsqlDbType.Text);
                copy.Write($"user-{user}", NpgsqlDbType.Text);
                copy.Write((short)type, NpgsqlDbType.Smallint);
                copy.Write($"item-{item}", NpgsqlDbType.Text);
                copy.Write(at, NpgsqlDbType.TimestampTz);
                copy.Write(at, NpgsqlDbType.TimestampTz);
            }
            await copy.CompleteAsync();
        }
        await using (var analyze = dataSource.CreateCommand("VACUUM ANALYZE events"))
        {
            await analyze.ExecuteNonQueryAsync();
        }
        Console.WriteLine($"{events:N0} events for {users:N0} users, {Themes * PerTheme:N0} items written in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The fold alone (no database): the generator's events straight into the model, for profiling.</summary>
    public static async Task FoldAsync(Dictionary<string, string> options)
    {
        var events = options.Int("events", 1_000_000);
        var users = options.Int("users", events / 20);
        var model = new BehaviourModel(Options.Create(new BehaviourOptions { MaxPairsPerItem = options.Int("max-pairs", 300), RecentItemsPerUser = options.Int("recent", 50), SeedItems = Math.Min(30, options.Int("recent", 50)) }));
        var signals = Synthetic(events, users).ToList();
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await model.LoadAsync(signals.ToAsyncEnumerable(), 50_000, CancellationToken.None);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"fold: {events:N0} events in {clock.Elapsed.TotalSeconds:F1} s wall, {cpu.TotalSeconds:F1} s CPU; {model.Items.Count:N0} items, {model.Trails.Users:N0} users");
    }

    private static IEnumerable<BehaviourSignal> Synthetic(int events, int users)
    {
        const int Themes = 200, PerTheme = 500;
        var start = DateTimeOffset.UtcNow.AddDays(-300);
        var step = TimeSpan.FromDays(300) / events;
        var random = new Random(7);
        for (var k = 0; k < events; k++)
        {
            var user = random.Next(users);
            var theme = (user * 7 + (random.NextDouble() < 0.7 ? 0 : 1 + user % 3)) % Themes;
            var item = theme * PerTheme + (int)(PerTheme * Math.Pow(random.NextDouble(), 3));
            var roll = random.NextDouble();
            var type = roll < 0.6 ? EventType.View : roll < 0.8 ? EventType.Click : roll < 0.92 ? EventType.AddToCart : EventType.Purchase;
            yield return new BehaviourSignal($"user-{user}", type, $"item-{item}", start + step * k);
        }
    }

    /// <summary>
    /// Times what a restart does. --from events: drops any snapshot, so every event of the rebuild window is read and
    /// folded (a first start), then stores the snapshot. --from snapshot: loads the snapshot and the events since
    /// (--write true: then stores it again, to time a periodic snapshot).
    /// </summary>
    public static async Task RebuildAsync(Dictionary<string, string> options)
    {
        var from = options.GetValueOrDefault("from", "events");
        using var host = BuildHost(options);
        await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        if (from == "events")
        {
            await using var drop = host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("DELETE FROM behaviour_snapshots");
            await drop.ExecuteNonQueryAsync();
        }
        var feed = host.Services.GetRequiredService<BehaviourFeed>();
        var model = host.Services.GetRequiredService<BehaviourModel>();
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var result = await feed.RebuildAsync(CancellationToken.None);
        var elapsed = clock.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var withNeighbours = Enumerable.Range(0, model.Items.Count).Count(i => model.Graph.NeighboursOf(i).Length > 0);
        var o = host.Services.GetRequiredService<IOptions<BehaviourOptions>>().Value;
        var source = result.Snapshot is { } s
            ? $"snapshot of {s.Bytes / (1024 * 1024):N0} MB loaded in {s.Elapsed.TotalSeconds:F1} s, then {result.Events:N0} events since"
            : $"{result.Events:N0} events";
        Console.WriteLine($"ready from {source}: {model.Items.Count:N0} items ({withNeighbours:N0} with neighbours), " +
            $"{model.Trails.Users:N0} users in {elapsed.TotalSeconds:F1} s wall, {cpu.TotalSeconds:F1} s CPU of this process; " +
            $"Neighbours={o.Neighbours} MaxPairsPerItem={o.MaxPairsPerItem} RecentItemsPerUser={o.RecentItemsPerUser}; " +
            $"managed heap {GC.GetTotalMemory(true) / (1024 * 1024):N0} MB");
        var checksum = Enumerable.Range(0, model.Items.Count)
            .Sum(i => model.Graph.NeighboursOf(i).Sum(n => (double)n.Score * (1 + n.Item % 97)));
        Console.WriteLine($"neighbour checksum {checksum:R}");
        if (from == "events" || options.ContainsKey("write"))
        {
            var info = await host.Services.GetRequiredService<BehaviourSnapshots>().WriteAsync(CancellationToken.None);
            Console.WriteLine($"snapshot of {info.Bytes / (1024 * 1024):N0} MB stored in {info.Elapsed.TotalSeconds:F1} s ({info.Locked.TotalSeconds:F1} s of it serialising under the writer lock)");
        }
    }

    /// <summary>The read phase alone: the rebuild's binary COPY of every event, decoded, not folded.</summary>
    public static async Task ReadAsync(Dictionary<string, string> options)
    {
        using var host = BuildHost(options);
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var copy = await connection.BeginBinaryExportAsync(
            "COPY (SELECT user_id::text, type, item_id::text, occurred_at FROM events) TO STDOUT (FORMAT BINARY)");
        long rows = 0;
        while (await copy.StartRowAsync() != -1)
        {
            _ = await copy.ReadAsync<string>(NpgsqlDbType.Text);
            _ = await copy.ReadAsync<short>(NpgsqlDbType.Smallint);
            _ = await copy.ReadAsync<string>(NpgsqlDbType.Text);
            _ = await copy.ReadAsync<DateTime>(NpgsqlDbType.TimestampTz);
            rows++;
        }
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"read: {rows:N0} events in {clock.Elapsed.TotalSeconds:F1} s wall, {cpu.TotalSeconds:F1} s CPU of this process");
    }
}

using System.Diagnostics;
using Npgsql;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Resilience;

/// <summary>
/// Three service processes on one database behind a (client-side) balancer, under events, recommendations and
/// feedback; one is killed with SIGKILL mid-way and started again. The scheduler runs segmentation every 2 s.
/// </summary>
public sealed class ThreeReplicaTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    // Runs are skipped (far fewer users than MinUsers): a succeeded run would give new segment keys whose carried-over
    // starting rows each replica computes from its own table (a documented limit), so the tables are compared on the
    // log alone, while every tick still records its run.
    private static readonly KeyValuePair<string, string>[] Settings =
    [
        .. CrashRecoveryTests.Settings.Where(s => s.Key != "Segmentation:ScheduleEnabled"),
        new("Segmentation:ScheduleEnabled", "true"),
        new("Segmentation:Interval", Interval.ToString()),
        new("Segmentation:PollInterval", "00:00:01"),
        new("Segmentation:MinUsers", "1000000"),
    ];

    [Fact]
    public async Task ThreeReplicasWithOneKilledAndRestartedEndWithEqualTablesAndOneSegmentationRunPerScheduleSlot()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("ss_three");
        var replicas = new ServiceProcess[3];
        var killed = new List<ServiceProcess>();
        try
        {
            // The catalogue first, so every replica loads it at start (they reload it from the database only periodically).
            replicas[0] = ServiceProcess.Start(connectionString, Settings);
            await replicas[0].WaitUntilReadyAsync();
            using (var storefront = replicas[0].Client())
            {
                await CrashRecoveryTests.AddItemsAsync(storefront, "r3-");
            }
            replicas[1] = ServiceProcess.Start(connectionString, Settings);
            replicas[2] = ServiceProcess.Start(connectionString, Settings);
            await Task.WhenAll(replicas.Select(r => r.WaitUntilReadyAsync()));

            var clients = replicas.Select(r => r.Client()).ToArray();
            var load = new MixedLoad(clients, "r3-", seed: 5);
            using var stop = new CancellationTokenSource();
            var running = load.RunAsync(6, stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(3));
            replicas[1].KillHard();
            killed.Add(replicas[1]);
            var restartedIn = Stopwatch.StartNew();
            replicas[1] = ServiceProcess.Start(connectionString, Settings, replicas[1].Port);
            await replicas[1].WaitUntilReadyAsync();
            var restart = restartedIn.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(2));
            await stop.CancelAsync();
            await running;
            var loadTime = load.Clock.Elapsed;

            Assert.Empty(load.Broken);
            Assert.True(load.Answers.Count >= 30 && load.AckedFeedback.Count >= 10, $"too little load: {load.Answers.Count} answers, {load.AckedFeedback.Count} feedback");
            var events = await MixedLoad.StringsAsync(connectionString, "SELECT event_id FROM events WHERE event_id LIKE 'r3-e%'");
            Assert.True(load.AckedEvents.All(events.Contains), "an acknowledged event is missing");
            var feedback = await MixedLoad.FeedbackRowsAsync(connectionString);
            var stored = await MixedLoad.StringsAsync(connectionString, "SELECT recommendation_id FROM impressions");
            Assert.True(load.AckedFeedback.All(f => feedback.Contains(MixedLoad.Row(f)) && stored.Contains(f.RecommendationId)),
                "an acknowledged feedback row or its impression is missing");

            // Every window closes and settles; then the three tables are equal, cell for cell.
            await Task.Delay(TimeSpan.FromSeconds(4));
            var shown = await CrashRecoveryTests.CountAsync(connectionString, "SELECT coalesce(sum(cardinality(item_ids)), 0) FROM impressions");
            var tables = new List<IReadOnlyList<string>>();
            foreach (var replica in replicas)
            {
                tables.Add(await PolicyTableLines.SettledAsync(replica, shown, TimeSpan.FromSeconds(30)));
            }
            Assert.Equal(tables[0], tables[1]);
            Assert.Equal(tables[0], tables[2]);

            // Each slot of the schedule (a whole multiple of the interval on the clock) has one run, whichever replica ticked first.
            var runs = await ScheduledRunsAsync(connectionString);
            var perSlot = runs.GroupBy(r => r.StartedAt.UtcTicks / Interval.Ticks).ToList();
            var crowded = perSlot.Where(g => g.Count() > 1).Select(g => string.Join(", ", g.Select(r => $"{r.StartedAt:HH:mm:ss.fff} {r.Status}"))).ToList();
            Assert.True(crowded.Count == 0, "several runs in one schedule slot: " + string.Join("; ", crowded));
            var spanned = perSlot.Max(g => g.Key) - perSlot.Min(g => g.Key) + 1;
            Assert.True(runs.Count >= 3 && runs.Count >= spanned / 2, $"{runs.Count} scheduled runs over {spanned} slots");
            Console.WriteLine(
                $"three replicas: {load.Requests} requests ({load.Unanswered} unanswered while replica 2 was down; restart took {restart.TotalSeconds:F1} s), " +
                $"{load.AckedEvents.Count} events and {load.AckedFeedback.Count} feedback acknowledged and stored, {shown} shown items settled; " +
                $"3 tables of {tables[0].Count} lines equal; {runs.Count} scheduled runs in {spanned} slots of {Interval.TotalSeconds:F0} s, none shared " +
                $"(statuses: {string.Join(", ", runs.GroupBy(r => r.Status).Select(g => $"{g.Key} {g.Count()}"))}); load ran {loadTime.TotalSeconds:F1} s");
        }
        finally
        {
            foreach (var process in replicas.Concat(killed))
            {
                if (process is not null)
                {
                    await process.DisposeAsync();
                }
            }
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static async Task<List<(DateTimeOffset StartedAt, string Status)>> ScheduledRunsAsync(string connectionString)
    {
        var runs = new List<(DateTimeOffset, string)>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT started_at, status FROM segmentation_runs WHERE trigger = 'schedule' ORDER BY started_at", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add((new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero), reader.GetString(1)));
        }
        return runs;
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;
using SegmentService.Api.Tests.Policy;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Resilience;

/// <summary>
/// The service as a real process, killed with SIGKILL (no shutdown hook, no flush) under event and feedback load and
/// started again on the same database: what it acknowledged survives, and its table is the replay of the log.
/// </summary>
public sealed class CrashRecoveryTests
{
    /// <summary>The documented bound on impressions lost at a crash (docs/policy.md, "Crash").</summary>
    private const int MaxBufferedImpressions = 100_000;

    private static readonly TimeSpan RewardWindow = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SettleDelay = TimeSpan.FromSeconds(1);

    internal static readonly KeyValuePair<string, string>[] Settings =
    [
        new("Policy:RewardWindow", RewardWindow.ToString()),
        new("Policy:SettleDelay", SettleDelay.ToString()),
        new("Policy:SweepInterval", "00:00:00.200"),
        new("Policy:SnapshotInterval", "00:00:01"),
        new("Policy:MaxBufferedImpressions", MaxBufferedImpressions.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Segmentation:ScheduleEnabled", "false"),
    ];

    [Fact]
    public async Task KillNineUnderLoadKeepsEveryAcknowledgedEventAndOutcomeAndTheRestartedTableEqualsAFreshReplay()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("ss_crash");
        ServiceProcess? first = null, second = null;
        ReplicaHost? replay = null;
        var phases = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string name) => phases.Add($"{name} {clock.Elapsed.TotalSeconds:F1}s");
        try
        {
            first = ServiceProcess.Start(connectionString, Settings);
            await first.WaitUntilReadyAsync();
            Phase("ready");
            using (var storefront = first.Client())
            {
                await AddItemsAsync(storefront, "cr-");
            }

            // Load for longer than a window, so snapshots are taken and the restart loads one and replays after it.
            using var toFirst = first.Client();
            var load = new MixedLoad([toFirst], "cr-", seed: 9);
            using var stop = new CancellationTokenSource();
            var running = load.RunAsync(6, stop.Token);
            await Task.Delay(RewardWindow + SettleDelay + TimeSpan.FromSeconds(1));
            var snapshotsBeforeKill = await CountAsync(connectionString, "SELECT count(*) FROM policy_snapshots");
            // The kill comes during a slow impression write (a lock holds the COPY back for a second), so answers are
            // surely still buffered when it lands; reads of the table go on.
            TimeSpan killedAt;
            await using (var blocker = new Npgsql.NpgsqlConnection(connectionString))
            {
                await blocker.OpenAsync();
                await using var transaction = await blocker.BeginTransactionAsync();
                await using (var take = new Npgsql.NpgsqlCommand("LOCK TABLE impressions IN SHARE ROW EXCLUSIVE MODE", blocker, transaction))
                {
                    await take.ExecuteNonQueryAsync();
                }
                await Task.Delay(TimeSpan.FromSeconds(1));
                first.KillHard();
                killedAt = load.Clock.Elapsed;
                await transaction.RollbackAsync();
            }
            await Task.Delay(200);
            await stop.CancelAsync();
            await running;
            Assert.True(load.Answers.Count >= 20 && load.AckedFeedback.Count >= 10, $"too little load: {load.Answers.Count} answers, {load.AckedFeedback.Count} feedback");

            second = ServiceProcess.Start(connectionString, Settings, first.Port);
            await second.WaitUntilReadyAsync();
            Phase("restarted");

            // Every acknowledged event and feedback row is stored.
            var events = await MixedLoad.StringsAsync(connectionString, "SELECT event_id FROM events WHERE event_id LIKE 'cr-e%'");
            Assert.True(load.AckedEvents.All(events.Contains), $"{load.AckedEvents.Count(e => !events.Contains(e))} acknowledged events missing");
            var feedback = await MixedLoad.FeedbackRowsAsync(connectionString);
            Assert.True(load.AckedFeedback.All(f => feedback.Contains(MixedLoad.Row(f))), "an acknowledged feedback row is missing");

            // An outcome counts only with its impression: every acknowledged one has its impression stored.
            var stored = await MixedLoad.StringsAsync(connectionString, "SELECT recommendation_id FROM impressions");
            var orphaned = load.AckedFeedback.Where(f => !stored.Contains(f.RecommendationId)).ToList();
            Assert.True(orphaned.Count == 0, $"{orphaned.Count} acknowledged outcomes lost their impression at the kill");

            // Impressions lost at the kill: only answers still buffered, within the bound and from the last moments.
            var lost = load.Answers.Where(a => !stored.Contains(a.RecommendationId)).ToList();
            Assert.NotEmpty(lost);
            Assert.True(lost.Count <= MaxBufferedImpressions);
            Assert.True(lost.All(a => a.At > killedAt - TimeSpan.FromSeconds(3)),
                $"an impression answered {lost.Select(a => killedAt - a.At).DefaultIfEmpty().Max().TotalSeconds:F2} s before the kill was lost");

            // Feedback for a lost impression is a clear 404 problem; for a stored one it applies or the window has closed.
            using var toSecond = second.Client();
            foreach (var answer in lost.Take(20))
            {
                var response = await toSecond.PostAsJsonAsync("/feedback/click", new { recommendationId = answer.RecommendationId, itemId = answer.ItemIds[0] });
                await response.AssertProblemAsync(HttpStatusCode.NotFound);
            }
            foreach (var answer in load.Answers.Where(a => stored.Contains(a.RecommendationId)).OrderByDescending(a => a.At).Take(20))
            {
                var response = await toSecond.PostAsJsonAsync("/feedback/click", new { recommendationId = answer.RecommendationId, itemId = answer.ItemIds[0] });
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Gone, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            // More load on the restarted process, then every window closes and settles.
            var after = new MixedLoad([toSecond], "cr2-", seed: 10);
            using (var stopAfter = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
            {
                await after.RunAsync(4, stopAfter.Token);
            }
            Assert.Empty(load.Broken.Concat(after.Broken));
            Assert.NotEmpty(after.Answers);
            await Task.Delay(RewardWindow + SettleDelay);
            var shown = await CountAsync(connectionString, "SELECT coalesce(sum(cardinality(item_ids)), 0) FROM impressions");
            var table = await PolicyTableLines.SettledAsync(second, shown, TimeSpan.FromSeconds(30));
            Phase("settled");
            await second.StopAsync();
            Phase("stopped");

            // A fresh replay of the whole log (no snapshot), in a host in this process (quicker to start than a third process).
            await ExecuteAsync(connectionString, "DELETE FROM policy_snapshots");
            replay = new ReplicaHost(connectionString, [.. Settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))]);
            replay.Time.SetUtcNow(DateTimeOffset.UtcNow);
            await replay.InitializeAsync();
            await replay.Get<SegmentService.Api.Policy.PolicyReadiness>().WaitAsync(CancellationToken.None);
            using var replayAdmin = replay.Admin();
            var replayed = await PolicyTableLines.ReadAsync(replayAdmin);
            Assert.Equal(shown, PolicyTableLines.SettledImpressions(replayed));
            Assert.Equal(table, replayed);
            Phase("replayed");
            Assert.Equal(table, replayed);
            Console.WriteLine(
                $"crash: {load.Requests} requests, {load.AckedEvents.Count} events and {load.AckedFeedback.Count} feedback acknowledged before the kill, all stored; " +
                $"{snapshotsBeforeKill} snapshots before the kill; {lost.Count} of {load.Answers.Count} impressions lost at the kill " +
                $"(answered {lost.Select(a => (killedAt - a.At).TotalMilliseconds).DefaultIfEmpty().Max():F0} ms or less before it); " +
                $"{shown} shown items settled, {table.Count} table lines equal to the replay; {string.Join(", ", phases)}");
        }
        finally
        {
            if (replay is not null)
            {
                await replay.DisposeAsync();
            }
            foreach (var process in new[] { first, second })
            {
                if (process is not null)
                {
                    await process.DisposeAsync();
                }
            }
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    internal static async Task AddItemsAsync(HttpClient storefront, string prefix)
    {
        var body = JsonSerializer.Serialize(new
        {
            items = Enumerable.Range(0, 24).Select(i => new { itemId = $"{prefix}item-{i}", category = $"cat-{i % 3}", price = 10, inStock = true }),
        });
        (await storefront.PostAsync("/items", Json(body))).EnsureSuccessStatusCode();
    }

    internal static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

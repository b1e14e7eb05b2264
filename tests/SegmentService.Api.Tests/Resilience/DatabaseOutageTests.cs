using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SegmentService.Api.Tests.Infrastructure;
using Serilog.Core;
using Serilog.Events;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Resilience;

/// <summary>The service over a PostgreSQL cluster of its own, which the test stops and restarts.</summary>
public sealed class OutageFactory : ApiFactory
{
    private PrivateCluster? _cluster;

    public LogCapture Logs { get; } = new();

    public PrivateCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    protected override bool OwnsDatabase => false;

    public override async Task InitializeAsync()
    {
        _cluster = await PrivateCluster.StartAsync("outage");
        await using (var connection = new NpgsqlConnection(_cluster.ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE outage", connection);
            await create.ExecuteNonQueryAsync();
        }
        JoinDatabase(new NpgsqlConnectionStringBuilder(_cluster.ServerConnectionString) { Database = "outage" }.ConnectionString);
        await base.InitializeAsync();
        await WaitUntilReadyAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(Logs));
    }
}

public sealed class DatabaseOutageTests(OutageFactory factory) : IClassFixture<OutageFactory>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(6);

    private sealed record Outcome(string Kind, HttpStatusCode Status, TimeSpan Elapsed, bool DuringOutage);

    [Fact]
    public async Task WritesDuringAnOutageAnswer503WithRetryAfterAndEveryAcknowledgedWriteIsStored()
    {
        using var client = factory.Storefront();
        for (var i = 0; i < 10; i++)
        {
            (await client.PutAsync($"/items/o-seed-{i}", Json("""{"category":"c","price":1}"""))).EnsureSuccessStatusCode();
        }

        var ackedEvents = new ConcurrentBag<string>();
        var ackedItems = new ConcurrentBag<string>();
        var ackedFeedback = new ConcurrentBag<(string Recommendation, string Item)>();
        var outcomes = new ConcurrentBag<Outcome>();
        var unexpected = new ConcurrentBag<string>();
        var down = 0; // 1 between stop and restart
        using var stop = new CancellationTokenSource();

        async Task<HttpResponseMessage> Timed(string kind, Func<Task<HttpResponseMessage>> send)
        {
            var during = Volatile.Read(ref down) == 1;
            var watch = Stopwatch.StartNew();
            var response = await send();
            outcomes.Add(new Outcome(kind, response.StatusCode, watch.Elapsed, during));
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
                if (response.Headers.RetryAfter?.Delta is not { TotalSeconds: > 0 })
                {
                    unexpected.Add($"{kind}: 503 without Retry-After");
                }
                _ = problem;
            }
            else if (response.StatusCode != HttpStatusCode.OK)
            {
                unexpected.Add($"{kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            return response;
        }

        async Task Load(int worker)
        {
            using var http = factory.Storefront();
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var ids = Enumerable.Range(0, 5).Select(k => $"o-{worker}-{n}-{k}").ToArray();
                var body = JsonSerializer.Serialize(new
                {
                    events = ids.Select(id => new { eventId = id, userId = $"ou-{worker}", type = "view", itemId = "o-seed-1" }),
                });
                if ((await Timed("events", () => http.PostAsync("/events", Json(body)))).StatusCode == HttpStatusCode.OK)
                {
                    foreach (var id in ids)
                    {
                        ackedEvents.Add(id);
                    }
                }
                var itemId = $"o-item-{worker}-{n}";
                if ((await Timed("item", () => http.PutAsync($"/items/{itemId}", Json("""{"category":"c","price":2}""")))).StatusCode == HttpStatusCode.OK)
                {
                    ackedItems.Add(itemId);
                }
                var recommend = await Timed("recommend", () => http.GetAsync($"/recommend?userId=ou-{worker}&count=3"));
                if (recommend.StatusCode == HttpStatusCode.OK)
                {
                    var slate = JsonDocument.Parse(await recommend.Content.ReadAsStringAsync()).RootElement;
                    var recommendationId = slate.GetProperty("recommendationId").GetString()!;
                    var shown = slate.GetProperty("items")[0].GetProperty("itemId").GetString()!;
                    var click = await Timed("feedback", () => http.PostAsync("/feedback/click",
                        JsonContent.Create(new { recommendationId, itemId = shown })));
                    if (click.StatusCode == HttpStatusCode.OK)
                    {
                        ackedFeedback.Add((recommendationId, shown));
                    }
                }
            }
        }

        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() => Load(w))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await factory.Cluster.StopAsync();
        Volatile.Write(ref down, 1);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var ready = await factory.ClientWithKey(null).GetAsync("/health/ready");
        var readyBody = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.Clone();
        await Task.Delay(Outage - TimeSpan.FromSeconds(1));
        await factory.Cluster.RestartAsync();
        Volatile.Write(ref down, 0);
        var restarted = Stopwatch.StartNew();

        // Recovery needs nothing but time: the next writes succeed on their own.
        var recovered = false;
        while (!recovered && restarted.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(250);
            recovered = (await client.PostAsync("/events", Json(
                $$"""{"events":[{"eventId":"o-probe-{{restarted.ElapsedTicks}}","userId":"p","type":"view","itemId":"i"}]}"""))).StatusCode == HttpStatusCode.OK;
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        stop.Cancel();
        await Task.WhenAll(workers);

        Assert.True(recovered, "writes did not succeed within 20 s of the restart");
        // While the database is down the replica still recommends from memory: degraded, not out of rotation.
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", readyBody.GetProperty("status").GetString());
        Assert.True(readyBody.GetProperty("recommend").GetBoolean());
        Assert.False(readyBody.GetProperty("writes").GetBoolean());
        Assert.True(unexpected.IsEmpty, string.Join("\n", unexpected.Take(10)));
        var refused = outcomes.Where(o => o.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.True(refused.Count(o => o.Kind == "events") >= 3, $"only {refused.Count} writes were refused: the outage was not observed");
        var slowest = outcomes.Where(o => o.Kind != "recommend").Max(o => o.Elapsed);
        Assert.True(slowest < TimeSpan.FromSeconds(8), $"a write took {slowest} (bound: connect/command timeout 5 s)");
        Assert.Contains(outcomes, o => o.Kind == "recommend" && o.DuringOutage && o.Status == HttpStatusCode.OK);

        // Every acknowledged write is stored.
        var events = await ReadSetAsync("SELECT event_id FROM events WHERE event_id LIKE 'o-%'");
        var lostEvents = ackedEvents.Count(id => !events.Contains(id));
        Assert.True(lostEvents == 0, $"{lostEvents} acknowledged events are not stored");
        var items = await ReadSetAsync("SELECT item_id FROM items WHERE item_id LIKE 'o-item-%'");
        var lostItems = ackedItems.Count(id => !items.Contains(id));
        Assert.True(lostItems == 0, $"{lostItems} acknowledged items are not stored");
        var feedback = await ReadSetAsync("SELECT recommendation_id || '/' || item_id FROM feedback");
        var lostFeedback = ackedFeedback.Count(f => !feedback.Contains($"{f.Recommendation}/{f.Item}"));
        Assert.True(lostFeedback == 0, $"{lostFeedback} acknowledged feedback are not stored");
        Assert.NotEmpty(ackedEvents);
        Assert.NotEmpty(ackedFeedback);

        // One warning when the outage starts and one when it ends; no per-request error or stack trace.
        var logs = factory.Logs.Events;
        Assert.Equal(1, logs.Count(e => e.MessageTemplate.Text.StartsWith("Database unreachable", StringComparison.Ordinal)));
        var requestErrors = logs.Where(e => e.Level >= LogEventLevel.Error
            && (LogCapture.SourceOf(e).Contains("ApiExceptionHandler", StringComparison.Ordinal)
                || LogCapture.SourceOf(e).StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
                || LogCapture.SourceOf(e).StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)))
            .Select(e => $"{LogCapture.SourceOf(e)}: {e.RenderMessage()}").ToList();
        Assert.True(requestErrors.Count == 0, string.Join("\n", requestErrors.Take(5)));
        await WaitForAsync(() => factory.Logs.Events.Any(e => e.MessageTemplate.Text.StartsWith("Database reachable again", StringComparison.Ordinal)));

        Console.WriteLine(
            $"outage test: {outcomes.Count} requests, {refused.Count} answered 503 ({refused.Count(o => o.Kind == "events")} event posts), " +
            $"{ackedEvents.Count} events, {ackedItems.Count} items and {ackedFeedback.Count} feedback acknowledged and found stored; slowest write {slowest.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task ReadinessSaysWhatTheReplicaCanDo()
    {
        var response = await factory.ClientWithKey(null).GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("recommend").GetBoolean());
        Assert.False(body.GetProperty("stopping").GetBoolean());
        Assert.True(body.GetProperty("checks").TryGetProperty("database", out _));
    }

    private async Task<HashSet<string>> ReadSetAsync(string sql)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            set.Add(reader.GetString(0));
        }
        return set;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15 s");
            await Task.Delay(100);
        }
    }
}

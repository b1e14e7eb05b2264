using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Resilience;

/// <summary>The service as a real process with Kestrel, stopped with SIGTERM as docker stop does.</summary>
public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task SigtermTurnsReadinessOffAtOnceFinishesInFlightRequestsAndExitsCleanly()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("ss_shutdown");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "SegmentService.Api.dll"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Testing",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["ConnectionStrings__Postgres"] = connectionString,
                ["Auth__StorefrontKeys__0"] = TestKeys.Storefront,
                ["Auth__AdminKeys__0"] = TestKeys.Admin,
                ["Shutdown__DrainDelay"] = DrainDelay.ToString(),
                ["Serilog__MinimumLevel__Default"] = "Warning",
            },
        };
        using var process = Process.Start(start)!;
        var output = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Add("X-Api-Key", TestKeys.Storefront);
            var deadline = Stopwatch.StartNew();
            while (!await IsReadyAsync(http))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the service did not become ready: " + string.Join("\n", output));
                await Task.Delay(100);
            }

            var acked = new ConcurrentBag<string>();
            var refused = 0;
            var broken = new ConcurrentBag<string>();
            var unanswered = new ConcurrentBag<(string[] Ids, string Error)>();
            // Each worker posts until the closed listener refuses it (bounded in case it never does).
            async Task Load(int worker)
            {
                for (var n = 0; n < 10_000; n++)
                {
                    var ids = Enumerable.Range(0, 200).Select(k => $"gs-{worker}-{n}-{k}").ToArray();
                    var body = JsonSerializer.Serialize(new { events = ids.Select(id => new { eventId = id, userId = "gs", type = "view", itemId = "i" }) });
                    try
                    {
                        var response = await http.PostAsync("/events", Json(body));
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            foreach (var id in ids)
                            {
                                acked.Add(id);
                            }
                        }
                        else
                        {
                            broken.Add($"{(int)response.StatusCode}");
                        }
                    }
                    catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                    {
                        // The listener has closed: this request was never taken, so nothing was acknowledged.
                        Interlocked.Increment(ref refused);
                        return;
                    }
                    catch (HttpRequestException ex)
                    {
                        // Kestrel closed this keep-alive connection between requests; checked below that it
                        // never processed this one (an in-flight request cut off would have stored its events).
                        Interlocked.Increment(ref refused);
                        unanswered.Add((ids, ex.InnerException?.Message ?? ex.Message));
                        return;
                    }
                }
            }

            var workers = Enumerable.Range(0, 6).Select(w => Task.Run(() => Load(w))).ToArray();
            await Task.Delay(1500);
            var killedAt = Stopwatch.StartNew();
            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await Task.Delay(300);
            using var probe = new HttpClient { BaseAddress = http.BaseAddress };
            var ready = await probe.GetAsync("/health/ready");
            var readyBody = await ready.Content.ReadAsStringAsync();
            var live = await probe.GetAsync("/health/live");
            var readyCheckedAt = killedAt.Elapsed;
            await Task.WhenAll(workers);
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(40)), "the process did not exit within 40 s of SIGTERM");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.True(JsonDocument.Parse(readyBody).RootElement.GetProperty("stopping").GetBoolean(), readyBody);
            Assert.True(readyCheckedAt < DrainDelay, $"readiness checked {readyCheckedAt} after SIGTERM, after the drain");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode); // still serving during the drain
            Assert.True(broken.IsEmpty, "requests not answered cleanly: " + string.Join("; ", broken.Take(5)));
            Assert.Equal(0, process.ExitCode);
            var stored = new HashSet<string>(StringComparer.Ordinal);
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT event_id FROM events WHERE event_id LIKE 'gs-%'", connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    stored.Add(reader.GetString(0));
                }
            }
            Assert.NotEmpty(acked);
            var cutOff = unanswered.Where(u => u.Ids.Any(stored.Contains)).Select(u => u.Error).ToList();
            Assert.True(cutOff.Count == 0, "requests processed but not answered: " + string.Join("; ", cutOff));
            Assert.True(acked.All(stored.Contains), "an acknowledged event is missing");
            Console.WriteLine($"graceful shutdown: {acked.Count} events acknowledged and stored, {refused} workers refused after the listener closed ({unanswered.Count} on a closing keep-alive connection, none of them processed), readiness 503 at {readyCheckedAt.TotalMilliseconds:F0} ms, exit {process.ExitCode}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http)
    {
        try
        {
            return (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

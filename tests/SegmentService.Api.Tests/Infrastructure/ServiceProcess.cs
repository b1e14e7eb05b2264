using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SegmentService.Api.Tests.Infrastructure;

/// <summary>
/// The built service (SegmentService.Api.dll beside the tests) as a separate OS process with Kestrel on a loopback port,
/// so a test can kill it with SIGKILL and start it again on the same database and port.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Process _process;

    private ServiceProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr), for failure messages.</summary>
    public string Tail(int lines = 40) => string.Join("\n", _output.TakeLast(lines));

    /// <summary>Every line written so far.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>Starts the service on <paramref name="port"/> (0: a free one) with the test keys and the given settings (configuration key → value).</summary>
    public static ServiceProcess Start(string connectionString, IEnumerable<KeyValuePair<string, string>> settings, int port = 0)
    {
        port = port == 0 ? FreePort() : port;
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
                ["Auth__FrontendKeys__0"] = TestKeys.Frontend,
                ["Serilog__MinimumLevel__Default"] = "Warning",
            },
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var service = new ServiceProcess(process, port);
        process.OutputDataReceived += (_, e) => service._output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => service._output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    public HttpClient Client(string? key = TestKeys.Storefront)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }
        return client;
    }

    /// <summary>Waits (up to <paramref name="timeout"/>, default 60 s) until /health/ready answers 200.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        using var http = Client(null);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"the service exited ({_process.ExitCode}) before it was ready:\n{Tail()}");
            }
            try
            {
                if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            Assert.True(deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)), "the service did not become ready:\n" + Tail());
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown hook runs, nothing buffered is flushed.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }
        Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(30)), "the process did not die after SIGKILL");
    }

    /// <summary>SIGTERM, as docker stop does; waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

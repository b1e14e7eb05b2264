using System.Diagnostics;

namespace SegmentService.Api.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of one test class alone (under .pg/ of the repository), started with scripts/pg.sh, so
/// a test may stop and restart it without touching the cluster every other test uses. Durable settings: an
/// acknowledged commit must survive the stop.
/// </summary>
public sealed class PrivateCluster : IAsyncDisposable
{
    private readonly string _script;

    private PrivateCluster(string directory, string script, string connectionString)
    {
        Directory = directory;
        _script = script;
        ServerConnectionString = connectionString;
    }

    public string Directory { get; }

    public string ServerConnectionString { get; }

    public static async Task<PrivateCluster> StartAsync(string name)
    {
        var root = RepositoryRoot();
        var script = Path.Combine(root, "scripts", "pg.sh");
        var directory = Path.Combine(root, ".pg", $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 20, 60)]);
        var output = await BashAsync(script, $"pg_start '{directory}' >&2 && printf '%s' \"$PG_CONN\"");
        return new PrivateCluster(directory, script, output.Trim());
    }

    /// <summary>Stops the server (fast mode: connections are cut, committed data is kept).</summary>
    public Task StopAsync() => BashAsync(_script, $"pg_stop '{Directory}'");

    /// <summary>Starts the stopped server again on the same port (pg_start would pick a new one).</summary>
    public Task RestartAsync() => BashAsync(_script, $"""
        _pg_locate || exit 1
        data=$(readlink -f '{Directory}/data'); log=$(readlink -f '{Directory}/log')
        _pg_as "$(stat -c %U "$data")" "$PG_BIN/pg_ctl" -D "$data" -l "$log/postgres.log" -w -t 60 start >/dev/null
        """);

    public async ValueTask DisposeAsync() => await BashAsync(_script, $"pg_destroy '{Directory}'");

    private static async Task<string> BashAsync(string script, string commands)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        await process.StandardInput.WriteAsync($"source '{script}'\n{commands}\n");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"bash failed ({process.ExitCode}): {commands}\n{await stderr}");
        }
        return await stdout;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "pg.sh")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("scripts/pg.sh not found above " + AppContext.BaseDirectory);
    }
}

using System.Globalization;
using System.Net;

namespace SegmentService.Bench.EventsLoad;

/// <summary>Command-line settings of one load run.</summary>
public sealed class LoadOptions
{
    public const string KeyVariable = "EVENTS_LOAD_API_KEY";

    public const string Usage = """
        Usage: EventsLoad --url URL [--key KEY] [options]
               EventsLoad --csv-only --csv PATH [options]

        Posts behaviour events to POST /events in batches from concurrent clients and prints
        events/s, requests/s and p50/p95/p99 latency. Event ids are unique per run.

          --url URL          base URL of a running service on this machine (loopback only)
          --key KEY          storefront or frontend API key (default: $EVENTS_LOAD_API_KEY)
          --events N         events to post (default 200000)
          --batch N          events per request, 1-1000 (default 500)
          --concurrency N    concurrent clients (default 8)
          --users N          distinct user ids (default 10000)
          --items N          distinct item ids (default 2000)
          --warmup N         untimed batches posted first, with their own ids (default 4)
          --csv PATH         also write the timed events as CSV in the column order of the
                             events table, for psql \copy (written before the load starts)
          --csv-only         write --csv and post nothing
          --run-id ID        prefix of the event ids (default: random)
          --seed N           seed of the generated rows (default 1)
          --timeout SECONDS  stop posting after this long (default 900)
        """;

    public Uri? Url { get; private set; }
    public string? Key { get; private set; }
    public long Events { get; private set; } = 200_000;
    public int Batch { get; private set; } = 500;
    public int Concurrency { get; private set; } = 8;
    public int Users { get; private set; } = 10_000;
    public int Items { get; private set; } = 2_000;
    public int Warmup { get; private set; } = 4;
    public string? CsvPath { get; private set; }
    public bool CsvOnly { get; private set; }
    public string RunId { get; private set; } = Guid.NewGuid().ToString("N")[..8];
    public ulong Seed { get; private set; } = 1;
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(900);

    /// <summary>Parses the arguments; returns null and sets <paramref name="error"/> when they are wrong.</summary>
    public static LoadOptions? Parse(string[] args, out string? error)
    {
        var options = new LoadOptions();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string? inline = null;
            if (name.StartsWith("--", StringComparison.Ordinal) && name.IndexOf('=', StringComparison.Ordinal) is > 2 and var eq)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }
            if (name == "--csv-only")
            {
                options.CsvOnly = true;
                continue;
            }
            var value = inline ?? (i + 1 < args.Length ? args[++i] : null);
            if (value is null)
            {
                error = $"{name} needs a value.";
                return null;
            }
            error = name switch
            {
                "--url" => options.SetUrl(value),
                "--key" => Set(() => options.Key = value),
                "--events" => Number(value, 1, long.MaxValue, n => options.Events = n),
                "--batch" => Number(value, 1, 1000, n => options.Batch = (int)n),
                "--concurrency" => Number(value, 1, 1024, n => options.Concurrency = (int)n),
                "--users" => Number(value, 1, int.MaxValue, n => options.Users = (int)n),
                "--items" => Number(value, 1, int.MaxValue, n => options.Items = (int)n),
                "--warmup" => Number(value, 0, 1000, n => options.Warmup = (int)n),
                "--csv" => Set(() => options.CsvPath = value),
                "--run-id" => Set(() => options.RunId = value),
                "--seed" => Number(value, 0, long.MaxValue, n => options.Seed = (ulong)n),
                "--timeout" => Number(value, 1, 86_400, n => options.Timeout = TimeSpan.FromSeconds(n)),
                _ => $"unknown argument '{name}'.",
            };
            if (error is not null)
            {
                return null;
            }
        }
        options.Key ??= Environment.GetEnvironmentVariable(KeyVariable);
        error = options.CsvOnly switch
        {
            true when options.CsvPath is null => "--csv-only needs --csv PATH.",
            false when options.Url is null => "--url is required.",
            false when string.IsNullOrEmpty(options.Key) => $"--key or ${KeyVariable} is required.",
            _ => null,
        };
        return error is null ? options : null;
    }

    private string? SetUrl(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return $"--url must be an http(s) URL (got '{value}').";
        }
        // A load generator aimed at someone else's server is an attack; this one only loads local services.
        var loopback = url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        if (!loopback)
        {
            return $"--url must point at this machine (localhost, 127.0.0.0/8 or [::1]); got '{url.Host}'.";
        }
        Url = url;
        return null;
    }

    private static string? Set(Action assign)
    {
        assign();
        return null;
    }

    private static string? Number(string text, long min, long max, Action<long> assign)
    {
        if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n < min || n > max)
        {
            return $"expected a whole number from {min} to {max} (got '{text}').";
        }
        assign(n);
        return null;
    }
}

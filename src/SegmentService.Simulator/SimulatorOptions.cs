using System.Globalization;

namespace SegmentService.Simulator;

/// <summary>Command-line settings. Every loop the simulator runs is bounded by <see cref="Duration"/> and <see cref="MaxSessions"/>.</summary>
internal sealed record SimulatorOptions
{
    public Uri Url { get; init; } = new("http://127.0.0.1:5080");
    public string StorefrontKey { get; init; } = "dev-storefront-key-0001";
    public string? AdminKey { get; init; } = "dev-admin-key-0000000001";
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(3);
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);
    public IReadOnlyList<TimeSpan> DriftAt { get; init; } = [TimeSpan.FromMinutes(2)];
    public TimeSpan SegmentEvery { get; init; } = TimeSpan.FromSeconds(30);
    public int Shoppers { get; init; } = 300;
    public int ItemsPerCategory { get; init; } = 15;
    public int Slate { get; init; } = 5;
    public int Workers { get; init; } = 4;
    public int MaxSessions { get; init; } = 200_000;
    public int Seed { get; init; } = 7;
    public double ClickReward { get; init; } = 1;
    public double PurchaseReward { get; init; } = 5;
    public string Output { get; init; } = "simulator-output";

    public const string Usage = """
        Usage: SegmentService.Simulator [--demo] [options]

          --url URL              the service (default http://127.0.0.1:5080)
          --storefront-key KEY   X-Api-Key for events, items, recommend, feedback (default: $SIMULATOR_STOREFRONT_KEY,
                                 else the Development key)
          --admin-key KEY        admin key, to start segmentation runs; '' for none (default: $SIMULATOR_ADMIN_KEY,
                                 else the Development key)
          Options take their value after a space or an '=' (--url=http://api:8080).
          --duration SECONDS     how long to run (default 180)
          --window SECONDS       report window (default 10)
          --drift-at S1,S2,...   seconds at which interest drifts (default 120)
          --segment-every S      start a segmentation run every S seconds; 0 for never (default 30)
          --shoppers N           shoppers (default 300)   --items-per-category N (default 15)
          --slate N              items per /recommend (default 5)   --workers N  parallel shoppers (default 4)
          --max-sessions N       stop after N sessions (default 200000)   --seed N (default 7)
          --click-reward R       --purchase-reward R: the service's rewards, for the baselines (default 1 and 5)
          --out DIR              where simulation.csv and simulation.png go (default simulator-output)
          --demo                 a short demo: 90 s, 5 s windows, drift at 60 s, a segmentation run every 30 s,
                                 25 items per category (the ids of the service's demo catalogue)
        """;

    public static SimulatorOptions Parse(string[] args)
    {
        // Keys may come from the environment, so they stay out of the process list (docker-compose does this).
        var o = new SimulatorOptions();
        if (Environment.GetEnvironmentVariable("SIMULATOR_STOREFRONT_KEY") is { Length: > 0 } storefront)
        {
            o = o with { StorefrontKey = storefront };
        }
        if (Environment.GetEnvironmentVariable("SIMULATOR_ADMIN_KEY") is { } admin)
        {
            o = o with { AdminKey = admin.Length == 0 ? null : admin };
        }
        args = [.. args.SelectMany(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=') ? a.Split('=', 2) : [a])];
        if (args.Contains("--demo"))
        {
            o = o with
            {
                Duration = TimeSpan.FromSeconds(90),
                Window = TimeSpan.FromSeconds(5),
                DriftAt = [TimeSpan.FromSeconds(60)],
                SegmentEvery = TimeSpan.FromSeconds(30),
                Shoppers = 240,
                ItemsPerCategory = 25,
            };
        }
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--demo")
            {
                continue;
            }
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value.");
            }
            var value = args[++i];
            o = name switch
            {
                "--url" => o with { Url = Uri.TryCreate(value, UriKind.Absolute, out var url) ? url : throw new ArgumentException("--url must be an absolute URL.") },
                "--storefront-key" => o with { StorefrontKey = value },
                "--admin-key" => o with { AdminKey = value.Length == 0 ? null : value },
                "--duration" => o with { Duration = Seconds(name, value, 1, 86_400) },
                "--window" => o with { Window = Seconds(name, value, 1, 3_600) },
                "--drift-at" => o with { DriftAt = value.Length == 0 ? [] : [.. value.Split(',').Select(v => Seconds(name, v, 0, 86_400))] },
                "--segment-every" => o with { SegmentEvery = Seconds(name, value, 0, 86_400) },
                "--shoppers" => o with { Shoppers = Whole(name, value, 10, 1_000_000) },
                "--items-per-category" => o with { ItemsPerCategory = Whole(name, value, 2, 10_000) },
                "--slate" => o with { Slate = Whole(name, value, 1, 100) },
                "--workers" => o with { Workers = Whole(name, value, 1, 64) },
                "--max-sessions" => o with { MaxSessions = Whole(name, value, 1, 100_000_000) },
                "--seed" => o with { Seed = Whole(name, value, 0, int.MaxValue) },
                "--click-reward" => o with { ClickReward = Number(name, value) },
                "--purchase-reward" => o with { PurchaseReward = Number(name, value) },
                "--out" => o with { Output = value },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }
        return o;
    }

    private static TimeSpan Seconds(string name, string value, double min, double max) =>
        TimeSpan.FromSeconds(double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= min && s <= max
            ? s : throw new ArgumentException($"{name} must be a number of seconds from {min} to {max}."));

    private static int Whole(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n : throw new ArgumentException($"{name} must be a whole number from {min} to {max}.");

    private static double Number(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n)
            ? n : throw new ArgumentException($"{name} must be a number.");
}

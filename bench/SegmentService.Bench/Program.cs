using System.Diagnostics;
using SegmentService.Bench;

// Usage:
//   ingest  --url http://127.0.0.1:5080 --key KEY [--batches 200] [--batch 500] [--users 20000] [--concurrency 4]
//   scale-generate --db CONNSTRING [--users 1000000]
//   scale-run      --db CONNSTRING [--k 8 | --krange 4-12] [--runs 1]
//   behaviour-generate --db CONNSTRING [--events 10000000] [--users 500000]
//   behaviour-rebuild  --db CONNSTRING [--from events|snapshot] [--write true]
//   behaviour-read     --db CONNSTRING
var options = Args.Parse(args.Skip(1));
var total = Stopwatch.StartNew();
switch (args.FirstOrDefault())
{
    case "ingest":
        await IngestBench.RunAsync(options);
        break;
    case "scale-generate":
        await ScaleBench.GenerateAsync(options);
        break;
    case "scale-run":
        await ScaleBench.RunAsync(options);
        break;
    case "behaviour-generate":
        await BehaviourBench.GenerateAsync(options);
        break;
    case "behaviour-fold":
        await BehaviourBench.FoldAsync(options);
        break;
    case "behaviour-rebuild":
        await BehaviourBench.RebuildAsync(options);
        break;
    case "behaviour-read":
        await BehaviourBench.ReadAsync(options);
        break;
    default:
        Console.Error.WriteLine("usage: SegmentService.Bench ingest|scale-generate|scale-run|behaviour-generate|behaviour-rebuild|behaviour-read [--option value ...] (see bench/README.md)");
        return 2;
}
Console.WriteLine($"done in {total.Elapsed.TotalSeconds:F1} s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB");
return 0;

namespace SegmentService.Bench
{
    internal static class Args
    {
        public static Dictionary<string, string> Parse(IEnumerable<string> args)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            string? key = null;
            foreach (var arg in args)
            {
                if (arg.StartsWith("--", StringComparison.Ordinal))
                {
                    key = arg[2..];
                    result[key] = "true";
                }
                else if (key is not null)
                {
                    result[key] = arg;
                    key = null;
                }
            }
            return result;
        }

        public static int Int(this Dictionary<string, string> options, string name, int fallback) =>
            options.TryGetValue(name, out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : fallback;

        public static string Required(this Dictionary<string, string> options, string name) =>
            options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");
    }
}

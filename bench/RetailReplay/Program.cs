using System.Diagnostics;
using System.Globalization;
using RetailReplay;

// Replays UCI Online Retail invoices (SOURCE.md's filter and split) and prints HitRate@10 / Recall@10 for the
// service (through HTTP) and the offline baselines, all on the same invoices in the same run.
// Usage: RetailReplay [--data PATH] [--url URL --key STOREFRONT_KEY --admin-key ADMIN_KEY] [--limit N] [--tune | --tune-only | --service-only]
// Without --url only the offline scorers run.

// A repeated option: the last one wins (the script passes defaults first).
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal))
    {
        options[args[i]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[i + 1] : "";
    }
}
string Option(string name, string fallback) => options.TryGetValue(name, out var v) && v.Length > 0 ? v : fallback;

var dataPath = Option("--data", "../shared/data/online-retail/online_retail_2010-12_2011-08.csv.gz");
var limit = int.Parse(Option("--limit", int.MaxValue.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
const int Count = 10;

var clock = Stopwatch.StartNew();
var data = RetailData.Load(dataPath);
var replay = data.Replay.Take(limit).ToList();
Console.WriteLine($"{data.RowsRead:N0} rows, {data.LinesKept:N0} kept; warm-up {data.Warmup.Count:N0} invoices ({data.WarmupLines:N0} lines); " +
    $"replay {replay.Count:N0} of {data.Replay.Count:N0} invoices; {data.Catalogue.Count:N0} items ({clock.Elapsed.TotalSeconds:F1} s)");

var scorers = new List<IScorer>();
ServiceScorer? service = null;
HttpClient? http = null;
if (options.ContainsKey("--url"))
{
    http = new HttpClient { BaseAddress = new Uri(Option("--url", "")), Timeout = TimeSpan.FromMinutes(2) };
    http.DefaultRequestHeaders.Add("X-Api-Key", Option("--key", "dev-storefront-key-0001"));
    var lastInvoice = new DateTimeOffset(data.Replay.Concat(data.Warmup).Max(i => i.At), TimeSpan.Zero);
    service = new ServiceScorer(http, Option("--admin-key", "dev-admin-key-00000001"), DateTimeOffset.UtcNow.AddMinutes(-1) - lastInvoice);
    await service.LoadCatalogueAsync(data);
    var warm = Stopwatch.StartNew();
    await service.PostEventsAsync(data.Warmup);
    Console.WriteLine($"warm-up events posted in {warm.Elapsed.TotalSeconds:F1} s");
    var run = Stopwatch.StartNew();
    Console.WriteLine($"segmentation {await service.RunSegmentationAsync(TimeSpan.FromMinutes(5))} in {run.Elapsed.TotalSeconds:F1} s");
    scorers.Add(service);
}
scorers.Add(new PopularityScorer());
if (!options.ContainsKey("--tune-only") && !options.ContainsKey("--service-only"))
{
    scorers.Add(new RandomScorer(seed: 20110601));
    scorers.Add(new CoPurchaseCountScorer());
    scorers.Add(new CosineScorer("cosine, last 30 items × 0.9^age"));
    scorers.Add(new CosineScorer("cosine + 0.5 × popularity", popularityWeight: 0.5));
    scorers.Add(new UserCfScorer());
    scorers.Add(new UserCfScorer(popularityWeight: 0.5));
    scorers.Add(new BehaviourScorer("Behaviour sources in process (defaults) + 0.5 × popularity", data, new SegmentService.Api.Behaviour.BehaviourOptions()));
    scorers.Add(new BehaviourScorer("Behaviour sources in process, user-based CF on (UserNeighbours 50) + 0.5 × popularity", data,
        new SegmentService.Api.Behaviour.BehaviourOptions { UserNeighbours = 50 }));
}
if (options.ContainsKey("--tune") || options.ContainsKey("--tune-only"))
{
    scorers.AddRange(Tuning.Variants(data));
}

var history = new ShopHistory();
foreach (var invoice in data.Warmup)
{
    history.Add(invoice);
}

var tallies = scorers.ToDictionary(s => s, _ => (Hits: 0, Recall: 0.0));
var elapsed = scorers.ToDictionary(s => s, _ => new Stopwatch());
var scored = 0;
var replayClock = Stopwatch.StartNew();
foreach (var invoice in replay)
{
    history.AdvanceTo(invoice.At);
    var fresh = invoice.Items.Where(i => !history.HasBought(invoice.CustomerId, i)).ToHashSet(StringComparer.Ordinal);
    if (fresh.Count > 0)
    {
        scored++;
    }
    foreach (var scorer in scorers)
    {
        elapsed[scorer].Start();
        var recommended = fresh.Count > 0 || scorer.AskAlways ? await scorer.RecommendAsync(invoice, history, Count) : [];
        if (fresh.Count > 0)
        {
            var found = recommended.Take(Count).Count(fresh.Contains);
            var (hits, recall) = tallies[scorer];
            tallies[scorer] = (hits + (found > 0 ? 1 : 0), recall + (double)found / fresh.Count);
        }
        await scorer.ObserveAsync(invoice, recommended);
        elapsed[scorer].Stop();
    }
    history.Add(invoice);
    if (scored > 0 && scored % 2000 == 0 && fresh.Count > 0)
    {
        Console.Error.WriteLine($"  {scored:N0} scored invoices, {replayClock.Elapsed.TotalSeconds:F0} s");
    }
}

Console.WriteLine($"{scored:N0} invoices scored, {replay.Count - scored:N0} not scored (no new item); replay {replayClock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine();
Console.WriteLine("| scorer | HitRate@10 | Recall@10 | time (s) |");
Console.WriteLine("| --- | --- | --- | --- |");
foreach (var scorer in scorers)
{
    var (hits, recall) = tallies[scorer];
    Console.WriteLine($"| {scorer.Name} | {(double)hits / scored:F3} | {recall / scored:F3} | {elapsed[scorer].Elapsed.TotalSeconds:F1} |");
}
if (service is not null)
{
    Console.WriteLine($"service: {service.Requests:N0} requests, {service.FeedbackSent:N0} purchase feedbacks; total {clock.Elapsed.TotalSeconds:F0} s");
    Console.WriteLine("service slots by source: " + string.Join(", ", service.BySource.OrderBy(s => s.Key, StringComparer.Ordinal)
        .Select(s => $"{s.Key} {s.Value.Shown:N0} shown, {s.Value.Bought:N0} bought ({(double)s.Value.Bought / Math.Max(1, s.Value.Shown):P2})")));
    foreach (var line in await service.SourceWeightsAsync())
    {
        Console.WriteLine("  " + line);
    }
}
http?.Dispose();

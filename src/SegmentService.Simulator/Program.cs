using SegmentService.Simulator;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(SimulatorOptions.Usage);
    return 0;
}

SimulatorOptions options;
try
{
    options = SimulatorOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"simulator: {ex.Message}");
    Console.Error.WriteLine(SimulatorOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

using var http = new HttpClient { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(30) };
var shop = new Shop(options.ItemsPerCategory, options.Shoppers, options.Seed);
var client = new StorefrontClient(http, options.StorefrontKey, options.AdminKey);
Console.WriteLine($"simulator: {options.Url} for {options.Duration.TotalSeconds:F0} s, windows of {options.Window.TotalSeconds:F0} s, " +
    $"drift at {string.Join(", ", options.DriftAt.Select(d => $"{d.TotalSeconds:F0} s"))}");
try
{
    var windows = await new Simulation(options, shop, client, Console.Out).RunAsync(cancel.Token);
    Directory.CreateDirectory(options.Output);
    var csv = Report.WriteCsv(windows, options.Output);
    var png = Report.WritePng(windows, options.DriftAt, options.Output);
    Console.WriteLine($"simulator: wrote {csv} and {png}");
    var segments = await client.SegmentCountAsync(CancellationToken.None);
    if (segments >= 0)
    {
        Console.WriteLine($"simulator: the service has {segments} segments now");
    }
    return 0;
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"simulator: the service at {options.Url} could not be used: {ex.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("simulator: cancelled");
    return 130;
}

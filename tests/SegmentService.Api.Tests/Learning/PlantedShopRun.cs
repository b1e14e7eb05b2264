using System.Diagnostics;
using Xunit.Abstractions;

namespace SegmentService.Api.Tests.Learning;

/// <summary>A planted shop on its own fresh service: catalogue, history, segmentation done; ready to serve.</summary>
public sealed class PlantedShopRun : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private PlantedShopRun(ITestOutputHelper output, RealTimeShopFactory factory, ShopWorld world, ShopHistory history)
    {
        _output = output;
        Factory = factory;
        World = world;
        History = history;
    }

    public RealTimeShopFactory Factory { get; }

    public ShopWorld World { get; }

    public ShopHistory History { get; }

    public ShopSimulator Simulator { get; private set; } = null!;

    public static async Task<PlantedShopRun> StartAsync(ITestOutputHelper output, int itemsPerCategory, int seed)
    {
        var factory = new RealTimeShopFactory();
        await factory.InitializeAsync();
        var world = new ShopWorld(itemsPerCategory, seed);
        var run = new PlantedShopRun(output, factory, world, new ShopHistory(factory, world, seed));
        await run.History.PostCatalogueAsync();
        await run.History.PostHistoryAsync();
        var (k, segments) = await run.History.SegmentAsync();
        output.WriteLine($"shop: {world.Items.Count} items, {ShopWorld.Groups}×{ShopWorld.ShoppersPerGroup} shoppers, seed {seed}; " +
            $"segmentation (default settings) chose K = {k}; set up in {run._clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var (segment, group, members, share) in GreedySlates.Majorities(segments))
        {
            output.WriteLine($"  {segment}: {members} shoppers, {share:P0} of them group {group}");
        }
        run.Simulator = new ShopSimulator(factory, world, run.History, segments, seed);
        return run;
    }

    public void Report(string name, IReadOnlyList<CurveWindow> windows)
    {
        var feedback = Simulator.Feedback!;
        _output.WriteLine($"served {Simulator.Issued} slates in {_clock.Elapsed.TotalSeconds:0.0} s (with set-up); feedback applied: " +
            $"{feedback.ClicksApplied} clicks, {feedback.PurchasesApplied} purchases; refused as late: {feedback.Refused}");
        foreach (var (status, first) in feedback.Refusals)
        {
            _output.WriteLine($"  first refusal with {status}: {first}");
        }
        LearningCurve.Report(_output, name, windows);
        LearningCurve.ReportSources(_output, Simulator.Served);
        _output.WriteLine("the blend's fit per segment (GET /admin/policy):");
        foreach (var (index, line) in Simulator.Blends)
        {
            _output.WriteLine($"  at {index,5}: {line}");
        }
        _output.WriteLine("segments at the end (majority group):");
        foreach (var (segment, group, members, share) in GreedySlates.Majorities(Simulator.SegmentOf))
        {
            _output.WriteLine($"  {segment}: {members} shoppers, {share:P0} of them group {group}");
        }
    }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}

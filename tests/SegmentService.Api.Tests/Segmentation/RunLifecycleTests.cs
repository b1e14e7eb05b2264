using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Segmentation;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Segmentation;

/// <summary>A run hook a test can make throw or block.</summary>
public sealed class TestRunHook : ISegmentationRunHook
{
    private int _calls;

    public bool Fail { get; set; }
    public TaskCompletionSource? Gate { get; set; }
    public int Calls => Volatile.Read(ref _calls);

    public async Task BeforeFitAsync(long runId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (Fail)
        {
            throw new InvalidOperationException("injected fault");
        }
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }
    }
}

public sealed class HookedFactory : SegmentationFactory
{
    public TestRunHook Hook { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ISegmentationRunHook>(Hook));
    }
}

public sealed class FailedRunTests(HookedFactory factory) : IClassFixture<HookedFactory>
{
    [Fact]
    public async Task FailingRunIsRecordedAndThePreviousRunStaysInForce()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();
        var good = (await admin.RunToEndAsync()).GetProperty("runId").GetInt64();
        var segmentsBefore = await (await admin.GetAsync("/segments")).Content.ReadAsStringAsync();

        factory.Hook.Fail = true;
        var failed = await admin.WaitForRunAsync(await admin.StartRunAsync());

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("injected fault", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(good, (await admin.UserSegmentAsync("u0-0")).RunId);
        Assert.Equal(segmentsBefore, await (await admin.GetAsync("/segments")).Content.ReadAsStringAsync());
        var runs = await (await admin.GetAsync("/admin/segmentation/runs")).ReadOkAsync<JsonElement>();
        Assert.Equal([failed.GetProperty("runId").GetInt64(), good], runs.EnumerateArray().Select(r => r.GetProperty("runId").GetInt64()));

        factory.Hook.Fail = false;
        await admin.RunToEndAsync();
    }
}

public sealed class ConcurrentTriggerTests(HookedFactory factory) : IClassFixture<HookedFactory>
{
    [Fact]
    public async Task TwoConcurrentTriggersProduceOneRun()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();
        factory.Hook.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var responses = await Task.WhenAll(
            admin.PostAsync("/admin/segmentation/runs", null), admin.PostAsync("/admin/segmentation/runs", null));
        var started = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<RunStartedResponse>()));
        var third = await admin.PostAsync("/admin/segmentation/runs", null);
        factory.Hook.Gate.SetResult();

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(started[0]!.RunId, started[1]!.RunId);
        Assert.Equal(1, started.Count(s => s!.Started));
        Assert.Equal(started[0]!.RunId, (await third.Content.ReadFromJsonAsync<RunStartedResponse>())!.RunId);
        await admin.WaitForRunAsync(started[0]!.RunId);
        Assert.Equal(1, await factory.ScalarAsync<long>("SELECT count(*) FROM segmentation_runs"));
        Assert.Equal(1, factory.Hook.Calls);
    }
}

public sealed class ScheduleTests(SegmentationFactory factory) : IClassFixture<SegmentationFactory>
{
    [Fact]
    public async Task ScheduleFiresWhenTheClockPassesTheInterval()
    {
        var shop = new PlantedShop(factory);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();
        Assert.Equal(0, (await (await admin.GetAsync("/admin/segmentation/runs")).ReadOkAsync<JsonElement>()).GetArrayLength());

        factory.Time.Advance(TimeSpan.FromHours(1));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement runs;
        do
        {
            await Task.Delay(20);
            runs = await (await admin.GetAsync("/admin/segmentation/runs")).ReadOkAsync<JsonElement>();
        }
        while ((runs.GetArrayLength() == 0 || runs[0].GetProperty("status").GetString() == "running") && DateTime.UtcNow < deadline);
        Assert.Equal(1, runs.GetArrayLength());
        Assert.Equal("schedule", runs[0].GetProperty("trigger").GetString());
        Assert.Equal("succeeded", runs[0].GetProperty("status").GetString());
        Assert.Equal("run", (await admin.UserSegmentAsync("u1-1")).Source);
    }
}

public static class JsonContentExtensions
{
    public static Task<T?> ReadFromJsonAsync<T>(this HttpContent content) =>
        System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<T>(content, JsonSerializerOptions.Web);
}

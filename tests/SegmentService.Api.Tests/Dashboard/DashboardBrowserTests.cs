using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Dashboard;

/// <summary>The demo shop on a real Kestrel port, so a browser can load the dashboard.</summary>
public sealed class DashboardFactory : ApiFactory
{
    public DashboardFactory() => UseKestrel(0);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Demo:Seed", "true"), new("Demo:Users", "160"), new("Demo:ItemsPerCategory", "6"),
        new("Segmentation:K", "4"), new("Segmentation:ScheduleEnabled", "false"),
    ];

    public string BaseAddress { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("ss_" + GetType().Name);
        StartServer();
        BaseAddress = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal)).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
            .Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        ClientOptions.BaseAddress = new Uri(BaseAddress);
        await WaitUntilReadyAsync();
    }
}

public sealed class DashboardBrowserTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    /// <summary>Where screenshots go: SEGMENTSERVICE_ARTIFACTS, else artifacts/ in the repository (git-ignored).</summary>
    private static string ArtifactsDirectory =>
        Environment.GetEnvironmentVariable("SEGMENTSERVICE_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryRoot(), "artifacts");

    [Fact]
    public async Task DashboardFilesAreServedWithoutAKeyAndChartJsIsShippedWithTheService()
    {
        var client = factory.ClientWithKey(null);
        var page = await client.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("vendor/chart.umd.min.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var chart = await client.GetAsync("/dashboard/vendor/chart.umd.min.js");
        Assert.Equal(HttpStatusCode.OK, chart.StatusCode);
        Assert.Contains("Chart.js v4", await chart.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task DashboardLoadsWithoutConsoleErrorsAndShowsTheSegmentsOfASeededDatabase()
    {
        var admin = factory.Admin();
        JsonElement segments = default;
        for (var attempt = 0; attempt < 600 && (segments.ValueKind != JsonValueKind.Array || segments.GetArrayLength() == 0); attempt++)
        {
            await Task.Delay(100);
            segments = await (await admin.GetAsync("/segments")).ReadOkAsync<JsonElement>();
        }
        Assert.Equal(4, segments.GetArrayLength());
        var keys = segments.EnumerateArray().Select(s => s.GetProperty("key").GetString()!).ToList();

        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync($"{factory.BaseAddress}/dashboard/#key={TestKeys.Admin}");
        var shown = await browser.WaitForAsync(
            $"document.querySelectorAll('#segments tr[data-segment]').length === {keys.Count} && /Updated/.test(document.getElementById('status').textContent)",
            TimeSpan.FromSeconds(30));
        var status = (await browser.EvaluateAsync("document.getElementById('status').textContent"))?.ToString();
        await browser.ScreenshotAsync(Path.Combine(ArtifactsDirectory, "dashboard.png"));

        Assert.True(shown, $"the dashboard did not show {keys.Count} segments; status: {status}; errors: {string.Join(" | ", browser.Errors)}");
        var rendered = (await browser.EvaluateAsync(
            "JSON.stringify([...document.querySelectorAll('#segments tr[data-segment]')].map(r => r.dataset.segment))"))!.ToString();
        foreach (var key in keys)
        {
            Assert.Contains($"\"{key}\"", rendered, StringComparison.Ordinal);
        }
        Assert.Equal("", (await browser.EvaluateAsync("location.hash"))?.ToString());
        Assert.Equal(TestKeys.Admin, (await browser.EvaluateAsync("sessionStorage.getItem('segmentservice.adminKey')"))?.ToString());
        Assert.True((await browser.EvaluateAsync("typeof Chart === 'function' && document.querySelectorAll('canvas').length === 2"))!.GetValue<bool>());
        Assert.True((await browser.EvaluateAsync("document.querySelectorAll('#runs tbody tr').length >= 1"))!.GetValue<bool>());
        Assert.Empty(browser.Errors);
    }

    [ChromiumFact]
    public async Task HarnessSeesConsoleErrorsExceptionsAndFailedLoadsSoACleanPageMeansSomething()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync($"{factory.BaseAddress}/dashboard/no-such-file.js");
        await browser.EvaluateAsync("console.error('planted'); setTimeout(() => { throw new Error('thrown'); }, 0); 1");
        for (var attempt = 0; attempt < 50 && browser.Errors.Count < 3; attempt++)
        {
            await Task.Delay(100);
        }
        var errors = string.Join(" | ", browser.Errors);
        Assert.Contains("planted", errors, StringComparison.Ordinal);
        Assert.Contains("thrown", errors, StringComparison.Ordinal);
        Assert.Contains("404", errors, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SegmentService.sln")))
            {
                return dir.FullName;
            }
        }
        return Path.GetTempPath();
    }
}

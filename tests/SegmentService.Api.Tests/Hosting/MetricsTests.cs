using System.Globalization;
using System.Net;
using System.Text.Json;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Hosting;

/// <summary>The demo shop: seeded data and its first segmentation run, so segment sizes and run metrics exist.</summary>
public sealed class DemoShopFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Demo:Seed", "true"), new("Demo:Users", "160"), new("Demo:ItemsPerCategory", "6"),
        new("Segmentation:K", "4"), new("Segmentation:ScheduleEnabled", "false"),
    ];

    /// <summary>Waits (bounded) until the demo's first run is in force and /segments lists segments.</summary>
    public async Task<JsonElement> WaitForSegmentsAsync()
    {
        var admin = Admin();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var segments = await (await admin.GetAsync("/segments")).ReadOkAsync<JsonElement>();
            if (segments.GetArrayLength() > 0)
            {
                return segments;
            }
            Assert.True(DateTime.UtcNow < deadline, "the demo's first segmentation run did not come into force within 60 s");
            await Task.Delay(100);
        }
    }
}

public sealed class MetricsTests(DemoShopFactory factory) : IClassFixture<DemoShopFactory>
{
    [Fact]
    public async Task DemoSeedingStartsAFirstRunSoSegmentsExistAtOnce()
    {
        var segments = await factory.WaitForSegmentsAsync();
        Assert.Equal(4, segments.GetArrayLength());
        Assert.Equal("demo", await factory.ScalarAsync<string>("SELECT trigger FROM segmentation_runs ORDER BY run_id LIMIT 1"));
    }

    [Fact]
    public async Task CountersHistogramsAndGaugesMoveWithTrafficAndInternalMetersAreNotExported()
    {
        await factory.WaitForSegmentsAsync();
        var before = await ScrapeAsync();
        var storefront = factory.Storefront();
        await storefront.PostAsync("/events", Json("""
            {"events":[{"eventId":"mt-1","userId":"mt-u","type":"view","itemId":"shoes-001"},
                       {"eventId":"mt-1","userId":"mt-u","type":"view","itemId":"shoes-001"},
                       {"eventId":"mt-2","userId":"mt-u","type":"nope","itemId":"shoes-001"}]}
            """));
        var answer = await (await storefront.GetAsync("/recommend?userId=demo-u0001&count=3")).ReadOkAsync<RecommendResponse>();
        await (await storefront.PostAsync("/feedback/click",
            Json($$"""{"recommendationId":"{{answer.RecommendationId}}","itemId":"{{answer.Items[0].ItemId}}"}"""))).ReadOkAsync<JsonElement>();
        await storefront.PostAsync("/feedback/click", Json("""{"recommendationId":"r-none","itemId":"x"}"""));
        var after = await ScrapeAsync();

        AssertType(after, "segmentservice_events_total", "counter");
        AssertType(after, "segmentservice_feedback_total", "counter");
        AssertType(after, "segmentservice_reward_total", "counter");
        AssertType(after, "segmentservice_default_rewards_total", "counter");
        AssertType(after, "segmentservice_segmentation_run_duration_seconds", "histogram");
        AssertType(after, "http_request_duration_seconds", "histogram");
        AssertType(after, "http_requests_received_total", "counter");
        AssertType(after, "segmentservice_segment_users", "gauge");
        AssertType(after, "segmentservice_qtable_entries", "gauge");
        AssertType(after, "segmentservice_buffer_depth", "gauge");

        Assert.Equal(1, Value(after, "segmentservice_events_total{outcome=\"accepted\"}") - Value(before, "segmentservice_events_total{outcome=\"accepted\"}"));
        Assert.Equal(1, Value(after, "segmentservice_events_total{outcome=\"duplicate\"}") - Value(before, "segmentservice_events_total{outcome=\"duplicate\"}"));
        Assert.Equal(1, Value(after, "segmentservice_events_total{outcome=\"rejected\"}") - Value(before, "segmentservice_events_total{outcome=\"rejected\"}"));
        Assert.Equal(1, Value(after, "segmentservice_feedback_total{type=\"click\",outcome=\"applied\"}"));
        Assert.Equal(1, Value(after, "segmentservice_feedback_total{type=\"click\",outcome=\"unknown_recommendation\"}"));
        Assert.True(Value(after, "segmentservice_reward_total{type=\"click\"}") > 0);
        Assert.Equal(1, Value(after, "segmentservice_segmentation_run_duration_seconds_count{outcome=\"succeeded\"}"));
        Assert.True(Value(after, "segmentservice_qtable_entries") >= 1);
        Assert.Equal(160, SumOf(after, "segmentservice_segment_users{"));
        Assert.Contains(after.Split('\n'), l => l.StartsWith("http_requests_received_total{", StringComparison.Ordinal)
            && l.Contains("endpoint=\"/recommend", StringComparison.Ordinal) && l.Contains("code=\"200\"", StringComparison.Ordinal));
        Assert.Contains("segmentservice_buffer_depth{buffer=\"impressions\"}", after, StringComparison.Ordinal);

        Assert.DoesNotContain("private_internaldiagnostics", after, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("quic", after, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<string> ScrapeAsync()
    {
        var response = await factory.ClientWithKey(null).GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static void AssertType(string text, string name, string type) =>
        Assert.Contains($"# TYPE {name} {type}\n", text, StringComparison.Ordinal);

    /// <summary>The sample whose name and labels are exactly <paramref name="series"/>; 0 when absent.</summary>
    private static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private static double SumOf(string text, string prefix) =>
        text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}

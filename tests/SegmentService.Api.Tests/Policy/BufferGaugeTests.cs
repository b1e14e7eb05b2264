using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

/// <summary>Holds the behaviour-event observers of committed feedback until released (so the queue behind them fills).</summary>
public sealed class GatedObserver : IFeedbackCommittedObserver
{
    public SemaphoreSlim Gate { get; } = new(0);

    public async Task OnFeedbackCommittedAsync(IReadOnlyList<FeedbackRecord> applied, CancellationToken cancellationToken) =>
        await Gate.WaitAsync(cancellationToken);
}

public sealed class BufferGaugeFactory : PolicyFactory
{
    public GatedObserver Observer { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => [new("Policy:MaxQueuedFeedbackEvents", "1")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IFeedbackCommittedObserver>(Observer));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 5).Select(i => ($"g-item-{i}", "shoes", true)));
    }
}

public sealed class BufferGaugeTests(BufferGaugeFactory factory) : IClassFixture<BufferGaugeFactory>
{
    private static readonly string[] Series =
    [
        "segmentservice_buffer_depth{buffer=\"impressions\"}",
        "segmentservice_buffer_depth{buffer=\"open_impressions\"}",
        "segmentservice_buffer_depth{buffer=\"feedback\"}",
        "segmentservice_buffer_depth{buffer=\"feedback_events\"}",
        "segmentservice_memory_entries{map=\"priors\"}",
        "segmentservice_memory_entries{map=\"purchase_users\"}",
        "segmentservice_memory_entries{map=\"catalogue\"}",
        "segmentservice_memory_entries{map=\"behaviour_users\"}",
        "segmentservice_memory_entries{map=\"behaviour_items\"}",
        "segmentservice_memory_entries{map=\"shortlists\"}",
        "segmentservice_memory_entries{map=\"segment_users\"}",
        "segmentservice_memory_entries{map=\"live_moves\"}",
        "segmentservice_qtable_entries",
        "segmentservice_feedback_events_shed_total",
    ];

    [Fact]
    public async Task EveryBufferAndMapHasADepthGaugeThatMovesAndTheFeedbackEventQueueShedsPastItsBound()
    {
        var before = await ScrapeAsync();
        Assert.All(Series, s => Assert.Contains("\n" + s + " ", before, StringComparison.Ordinal));
        Assert.Equal(5, Value(before, "segmentservice_memory_entries{map=\"catalogue\"}"));

        var storefront = factory.Storefront();
        (await storefront.PostAsync("/events", Json("""
            {"events":[{"eventId":"bg-1","userId":"bg-buyer","type":"purchase","itemId":"g-item-1","value":10}]}
            """))).EnsureSuccessStatusCode();
        var answer = await PolicyFactory.RecommendAsync(storefront, "userId=bg-viewer&count=3");
        // The observer holds the first click's event: one row waits, the second click's event is past the bound (1) and shed.
        (await PolicyFactory.ClickAsync(storefront, answer.RecommendationId, answer.Items[0].ItemId)).EnsureSuccessStatusCode();
        (await PolicyFactory.ClickAsync(storefront, answer.RecommendationId, answer.Items[1].ItemId)).EnsureSuccessStatusCode();
        var during = await ScrapeAsync();

        Assert.Equal(1, Value(during, "segmentservice_memory_entries{map=\"purchase_users\"}") - Value(before, "segmentservice_memory_entries{map=\"purchase_users\"}"));
        Assert.True(Value(during, "segmentservice_memory_entries{map=\"behaviour_users\"}") > Value(before, "segmentservice_memory_entries{map=\"behaviour_users\"}"));
        Assert.True(Value(during, "segmentservice_memory_entries{map=\"priors\"}") > Value(before, "segmentservice_memory_entries{map=\"priors\"}"));
        Assert.True(Value(during, "segmentservice_buffer_depth{buffer=\"open_impressions\"}") >= 1);
        Assert.Equal(1, Value(during, "segmentservice_buffer_depth{buffer=\"feedback_events\"}"));
        Assert.Equal(1, Value(during, "segmentservice_feedback_events_shed_total"));
        Assert.Equal(0, Value(during, "segmentservice_buffer_depth{buffer=\"feedback\"}"));

        factory.Observer.Gate.Release(10);
        await factory.FeedbackEventsWrittenAsync();
        await factory.CloseWindowsAsync();
        await factory.SweepAsync();
        var after = await ScrapeAsync();
        Assert.Equal(0, Value(after, "segmentservice_buffer_depth{buffer=\"feedback_events\"}"));
        Assert.Equal(0, Value(after, "segmentservice_buffer_depth{buffer=\"open_impressions\"}"));
        Assert.Equal(0, Value(after, "segmentservice_buffer_depth{buffer=\"impressions\"}"));
        Assert.True(Value(after, "segmentservice_qtable_entries") >= 3);
    }

    private async Task<string> ScrapeAsync()
    {
        var response = await factory.ClientWithKey(null).GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return "\n" + await response.Content.ReadAsStringAsync();
    }

    private static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }
        throw new Xunit.Sdk.XunitException($"{series} is not in /metrics");
    }
}

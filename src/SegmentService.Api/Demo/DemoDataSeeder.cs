using Microsoft.Extensions.Options;
using SegmentService.Api.Catalog;
using SegmentService.Api.Events;
using SegmentService.Api.Policy;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Demo;

/// <summary>
/// Fills an empty service with a small shop: a catalogue over five categories and shoppers of four
/// kinds (each with a favourite category and spend level), written through the same writers as the API.
/// Ids are fixed, so seeding again stores nothing new. When no segmentation run has succeeded yet, a first run
/// starts right after seeding, so /segments and /recommend show real segments at once instead of after the first
/// scheduled run.
/// </summary>
public sealed class DemoDataSeeder(
    IOptions<DemoOptions> options,
    ItemWriter itemWriter,
    EventWriter eventWriter,
    RunStore runs,
    SegmentationCoordinator coordinator,
    PolicyReadiness readiness,
    TimeProvider timeProvider,
    ILogger<DemoDataSeeder> logger) : BackgroundService
{
    private static readonly string[] Categories = ["shoes", "electronics", "books", "home", "beauty"];

    private sealed record Persona(string Name, string Favourite, decimal SpendFactor, double PurchaseRate);

    private static readonly Persona[] Personas =
    [
        new("sneakerhead", "shoes", 1.0m, 0.15),
        new("gadget fan", "electronics", 3.0m, 0.08),
        new("reader", "books", 0.4m, 0.25),
        new("home maker", "home", 1.5m, 0.12),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Seed)
        {
            return;
        }
        try
        {
            // After the policy has loaded its state: items written while it reads the catalogue could be missed until its next refresh.
            await readiness.WaitAsync(stoppingToken);
            var random = new Random(20261127);
            var items = BuildCatalogue(settings.ItemsPerCategory, random);
            await itemWriter.UpsertAsync(items, stoppingToken);
            var events = BuildEvents(settings.Users, items, random);
            var stored = 0;
            foreach (var chunk in events.Chunk(EventLimits.MaxEventsPerRequest))
            {
                stored += (await eventWriter.WriteAsync(chunk, stoppingToken)).Count;
            }
            logger.LogInformation(
                "Demo data: {Items} items, {Users} shoppers, {Stored} new events of {Events}",
                items.Count, settings.Users, stored, events.Count);
            await StartFirstRunAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Demo data could not be loaded");
        }
    }

    private async Task StartFirstRunAsync(CancellationToken stoppingToken)
    {
        if (await runs.LatestSucceededIdAsync(stoppingToken) is not null)
        {
            return;
        }
        var trigger = await coordinator.TriggerAsync("demo", stoppingToken);
        logger.LogInformation("Demo data: first segmentation run {RunId} started", trigger.RunId);
    }

    private static List<ValidItem> BuildCatalogue(int perCategory, Random random)
    {
        var items = new List<ValidItem>(Categories.Length * perCategory);
        foreach (var category in Categories)
        {
            for (var i = 1; i <= perCategory; i++)
            {
                var price = Math.Round((decimal)(5 + random.NextDouble() * 95), 2);
                items.Add(new ValidItem($"{category}-{i:D3}", category, price, InStock: random.NextDouble() > 0.05, $"{category} item {i}"));
            }
        }
        return items;
    }

    private List<ValidEvent> BuildEvents(int users, List<ValidItem> items, Random random)
    {
        var now = timeProvider.GetUtcNow();
        var byCategory = items.GroupBy(i => i.Category).ToDictionary(g => g.Key, g => g.ToArray());
        var events = new List<ValidEvent>();
        for (var u = 0; u < users; u++)
        {
            var persona = Personas[u % Personas.Length];
            var userId = $"demo-u{u:D4}";
            var sessions = 2 + random.Next(6);
            for (var s = 0; s < sessions; s++)
            {
                var sessionId = $"{userId}-s{s}";
                var sessionStart = now - TimeSpan.FromHours(1 + random.NextDouble() * 24 * 30);
                var views = 2 + random.Next(8);
                for (var v = 0; v < views; v++)
                {
                    var category = random.NextDouble() < 0.75 ? persona.Favourite : Categories[random.Next(Categories.Length)];
                    var item = byCategory[category][random.Next(byCategory[category].Length)];
                    var at = sessionStart + TimeSpan.FromMinutes(v * 2);
                    var id = $"{sessionId}-{v}";
                    events.Add(new ValidEvent($"{id}-view", userId, EventType.View, item.ItemId, at, null, null, sessionId, "demo"));
                    if (random.NextDouble() < 0.35)
                    {
                        events.Add(new ValidEvent($"{id}-click", userId, EventType.Click, item.ItemId, at.AddSeconds(5), null, null, sessionId, "demo"));
                    }
                    if (random.NextDouble() < persona.PurchaseRate * 1.6)
                    {
                        events.Add(new ValidEvent($"{id}-cart", userId, EventType.AddToCart, item.ItemId, at.AddSeconds(30), null, 1, sessionId, "demo"));
                        if (random.NextDouble() < 0.6)
                        {
                            var amount = Math.Round(item.Price * persona.SpendFactor, 2);
                            events.Add(new ValidEvent($"{id}-buy", userId, EventType.Purchase, item.ItemId, at.AddSeconds(90), amount, 1, sessionId, "demo"));
                        }
                    }
                }
            }
        }
        return events;
    }
}

public static class DemoServices
{
    public static IServiceCollection AddDemoData(this IServiceCollection services)
    {
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<DemoDataSeeder>();
        return services;
    }
}

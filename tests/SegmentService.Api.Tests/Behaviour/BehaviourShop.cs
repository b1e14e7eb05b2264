using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Behaviour;

/// <summary>Posts items and events through the HTTP API and reads the behaviour sources of the same host.</summary>
public sealed class BehaviourShop(ApiFactory factory)
{
    private readonly HttpClient _client = factory.Storefront();
    private int _next;

    public CandidateSources Sources => factory.Services.GetRequiredService<CandidateSources>();
    public BehaviourModel Model => factory.Services.GetRequiredService<BehaviourModel>();

    public async Task ItemsAsync(params (string Id, string Category, decimal Price, string? Title)[] items)
    {
        var body = new { items = items.Select(i => new { itemId = i.Id, category = i.Category, price = i.Price, inStock = true, title = i.Title }) };
        (await _client.PostAsJsonAsync("/items", body)).EnsureSuccessStatusCode();
    }

    /// <summary>Posts one event per (user, item) at <paramref name="at"/>, in one batch.</summary>
    public async Task EventsAsync(string type, DateTimeOffset at, params (string User, string Item)[] events)
    {
        var body = new
        {
            events = events.Select(e => new
            {
                eventId = $"{type}-{Interlocked.Increment(ref _next)}",
                userId = e.User,
                type,
                itemId = e.Item,
                occurredAt = at,
            }),
        };
        var response = await _client.PostAsJsonAsync("/events", body);
        response.EnsureSuccessStatusCode();
        var result = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(events.Length, result.GetProperty("accepted").GetInt32());
    }

    /// <summary>Each of <paramref name="users"/> users (named prefix-0…) buys every item of <paramref name="basket"/>.</summary>
    public Task BasketsAsync(string prefix, int users, DateTimeOffset at, params string[] basket) =>
        EventsAsync("purchase", at, [.. Enumerable.Range(0, users).SelectMany(u => basket.Select(i => ($"{prefix}-{u}", i)))]);

    public string[] NeighboursOf(string item) =>
        Model.Items.TryGet(item, out var id) ? [.. Model.Graph.NeighboursOf(id).Select(n => Model.Items.Name(n.Item))] : [];
}

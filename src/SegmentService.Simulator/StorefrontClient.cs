using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegmentService.Simulator;

internal sealed record Recommendation(string RecommendationId, IReadOnlyList<RecommendedItem> Items, RecommendedSegment? Segment);

internal sealed record RecommendedItem(string ItemId);

internal sealed record RecommendedSegment(string Key, string Label);

internal sealed record FeedbackAnswer(bool Applied, double Reward);

internal sealed record EventOut(
    string EventId, string UserId, string Type, string ItemId, DateTimeOffset OccurredAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Value,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Quantity,
    string SessionId, string Source);

/// <summary>The service's HTTP contract (API.md), and nothing else: the simulator is a storefront like any other.</summary>
internal sealed class StorefrontClient(HttpClient http, string storefrontKey, string? adminKey)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public async Task PutCatalogueAsync(IReadOnlyList<Item> items, CancellationToken cancellationToken)
    {
        foreach (var chunk in items.Chunk(500))
        {
            var body = new { items = chunk.Select(i => new { itemId = i.Id, category = Shop.Categories[i.Category], price = i.Price, inStock = i.InStock, title = i.Id }) };
            using var response = await SendAsync(HttpMethod.Post, "/items", storefrontKey, body, cancellationToken);
            await EnsureAsync(response, "POST /items");
        }
    }

    public async Task PostEventsAsync(IReadOnlyList<EventOut> events, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "/events", storefrontKey, new { events }, cancellationToken);
        await EnsureAsync(response, "POST /events");
    }

    public async Task<Recommendation> RecommendAsync(string userId, int count, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/recommend?userId={Uri.EscapeDataString(userId)}&count={count}", storefrontKey, null, cancellationToken);
        await EnsureAsync(response, "GET /recommend");
        return (await response.Content.ReadFromJsonAsync<Recommendation>(Json, cancellationToken))!;
    }

    /// <summary>Posts a click or purchase; null when the service did not apply it (window closed and the like).</summary>
    public async Task<FeedbackAnswer?> FeedbackAsync(string kind, string recommendationId, string itemId, decimal? amount, CancellationToken cancellationToken)
    {
        object body = amount is { } a ? new { recommendationId, itemId, amount = a } : new { recommendationId, itemId };
        using var response = await SendAsync(HttpMethod.Post, $"/feedback/{kind}", storefrontKey, body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        return await response.Content.ReadFromJsonAsync<FeedbackAnswer>(Json, cancellationToken);
    }

    /// <summary>Starts a segmentation run (admin key); false without a key or when the service refuses.</summary>
    public async Task<bool> StartSegmentationAsync(CancellationToken cancellationToken)
    {
        if (adminKey is null)
        {
            return false;
        }
        using var response = await SendAsync(HttpMethod.Post, "/admin/segmentation/runs", adminKey, null, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    public async Task<int> SegmentCountAsync(CancellationToken cancellationToken)
    {
        if (adminKey is null)
        {
            return -1;
        }
        using var response = await SendAsync(HttpMethod.Get, "/segments", adminKey, null, cancellationToken);
        return response.IsSuccessStatusCode
            ? (await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken)).GetArrayLength()
            : -1;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }
        return await http.SendAsync(request, cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync();
            throw new HttpRequestException($"{what} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 400)]}");
        }
    }
}

using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace RetailReplay;

/// <summary>
/// The service under test, through HTTP: GET /recommend before, purchase feedback for hits and the invoice's events after.
/// Event times are shifted by <paramref name="shift"/> so the data's last invoice lands just before now: the service
/// decays behaviour by wall-clock age (as in a live shop), and 2011 timestamps would all be 15 years old to it.
/// </summary>
public sealed class ServiceScorer(HttpClient http, string adminKey, TimeSpan shift) : IScorer
{
    private readonly Dictionary<string, string> _recommendationIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sourceOfShown = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Shown, int Bought)> _bySource = new(StringComparer.Ordinal);

    public string Name => "service (GET /recommend)";
    public bool AskAlways => true;
    public int Requests { get; private set; }
    public int FeedbackSent { get; private set; }

    /// <summary>Items shown and bought (purchase feedback sent) by the source the service named for each.</summary>
    public IReadOnlyDictionary<string, (int Shown, int Bought)> BySource => _bySource;

    public static string UserId(string customer) => "c" + customer;

    public async Task LoadCatalogueAsync(RetailData data)
    {
        foreach (var chunk in data.Catalogue.OrderBy(c => c.Key, StringComparer.Ordinal).Chunk(1000))
        {
            var items = chunk.Select(c => new
            {
                itemId = c.Key,
                category = RetailData.CategoryOf(c.Value.Description),
                price = c.Value.Price,
                inStock = true,
                title = c.Value.Description,
            });
            using var response = await http.PostAsJsonAsync("/items", new { items });
            await EnsureAsync(response);
        }
    }

    public async Task PostEventsAsync(IEnumerable<Invoice> invoices)
    {
        foreach (var chunk in invoices.SelectMany(Events).Chunk(1000))
        {
            using var response = await http.PostAsJsonAsync("/events", new { events = chunk });
            await EnsureAsync(response);
            Requests++;
        }
    }

    public async Task<string> RunSegmentationAsync(TimeSpan timeout)
    {
        using var start = new HttpRequestMessage(HttpMethod.Post, "/admin/segmentation/runs");
        start.Headers.Add("X-Api-Key", adminKey);
        using var started = await http.SendAsync(start);
        await EnsureAsync(started);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetInt64();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var poll = new HttpRequestMessage(HttpMethod.Get, $"/admin/segmentation/runs/{runId}");
            poll.Headers.Add("X-Api-Key", adminKey);
            using var response = await http.SendAsync(poll);
            await EnsureAsync(response);
            var run = await response.Content.ReadFromJsonAsync<JsonElement>();
            var status = run.GetProperty("status").GetString();
            if (status != "running")
            {
                return $"run {runId} {status}, k={run.GetProperty("k")}, users={run.GetProperty("users")}";
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"segmentation run {runId} did not finish within {timeout}");
    }

    /// <summary>Per segment: its mean reward per impression and what each blended source earned and weighs now (GET /admin/policy).</summary>
    public async Task<IReadOnlyList<string>> SourceWeightsAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/policy");
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await http.SendAsync(request);
        await EnsureAsync(response);
        var policy = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. policy.GetProperty("segments").EnumerateArray().Select(s =>
            $"{s.GetProperty("key").GetString()}: mean {s.GetProperty("meanReward").GetDouble():F4} over {s.GetProperty("visits").GetInt64():N0}; " +
            $"blend over {s.GetProperty("blend").GetProperty("shownItems").GetDouble():N0} shown items: intercept {s.GetProperty("blend").GetProperty("intercept").GetDouble():F4}, " +
            $"segment value × {s.GetProperty("blend").GetProperty("segmentValue").GetDouble():F3}; " +
            string.Join(", ", s.GetProperty("sources").EnumerateArray().Select(v =>
                $"{v.GetProperty("source").GetString()} Q {v.GetProperty("q").GetDouble():F4} ({v.GetProperty("visits").GetInt64():N0} + {v.GetProperty("pending").GetDouble():N0} pending) coefficient {v.GetProperty("coefficient").GetDouble():F4} weight {v.GetProperty("weight").GetDouble():F4}")))];
    }

    public async ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count)
    {
        using var response = await http.GetAsync($"/recommend?userId={Uri.EscapeDataString(UserId(invoice.CustomerId))}&count={count}");
        await EnsureAsync(response);
        Requests++;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        _recommendationIds[invoice.InvoiceNo] = body.GetProperty("recommendationId").GetString()!;
        _sourceOfShown.Clear();
        var items = new List<string>(count);
        foreach (var item in body.GetProperty("items").EnumerateArray())
        {
            var itemId = item.GetProperty("itemId").GetString()!;
            var source = item.GetProperty("source").GetString()!;
            items.Add(itemId);
            _sourceOfShown[itemId] = source;
            var (shown, bought) = _bySource.GetValueOrDefault(source);
            _bySource[source] = (shown + 1, bought);
        }
        return items;
    }

    public async ValueTask ObserveAsync(Invoice invoice, IReadOnlyList<string> recommended)
    {
        if (_recommendationIds.Remove(invoice.InvoiceNo, out var recommendationId))
        {
            foreach (var line in invoice.Lines.Where(l => recommended.Contains(l.StockCode)).DistinctBy(l => l.StockCode))
            {
                using var response = await http.PostAsJsonAsync("/feedback/purchase",
                    new { recommendationId, itemId = line.StockCode, amount = line.Quantity * line.UnitPrice });
                await EnsureAsync(response);
                Requests++;
                FeedbackSent++;
                if (_sourceOfShown.TryGetValue(line.StockCode, out var source))
                {
                    var (shown, bought) = _bySource[source];
                    _bySource[source] = (shown, bought + 1);
                }
            }
        }
        await PostEventsAsync([invoice]);
    }

    private IEnumerable<object> Events(Invoice invoice) => invoice.Lines.Select((l, n) => new
    {
        eventId = string.Create(CultureInfo.InvariantCulture, $"{l.InvoiceNo}-{n}"),
        userId = UserId(l.CustomerId),
        type = "purchase",
        itemId = l.StockCode,
        occurredAt = new DateTimeOffset(l.At, TimeSpan.Zero) + shift,
        value = l.Quantity * l.UnitPrice,
        quantity = l.Quantity,
        sessionId = l.InvoiceNo,
        source = "retail-replay",
    });

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new HttpRequestException($"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {body}");
        }
    }
}

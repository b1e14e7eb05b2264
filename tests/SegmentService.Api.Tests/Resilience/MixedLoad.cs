using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Resilience;

/// <summary>A recommendation the service answered, with when (on <see cref="MixedLoad.Clock"/>).</summary>
public sealed record Answered(string RecommendationId, string[] ItemIds, TimeSpan At, int Target);

/// <summary>
/// Workers posting events, asking for recommendations and posting click and purchase feedback (at once and for earlier
/// answers, possibly through another replica), recording what the service acknowledged. Requests that get no answer
/// (the target was killed or is down) are counted and skipped; any 5xx is recorded as broken.
/// </summary>
public sealed class MixedLoad(IReadOnlyList<HttpClient> targets, string prefix, int seed)
{
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public ConcurrentBag<string> AckedEvents { get; } = [];

    public ConcurrentBag<Answered> Answers { get; } = [];

    /// <summary>Feedback answered 200: (recommendation, item, type).</summary>
    public ConcurrentBag<(string RecommendationId, string ItemId, FeedbackType Type)> AckedFeedback { get; } = [];

    public ConcurrentBag<string> Broken { get; } = [];

    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    public int Unanswered => _unanswered;

    public int Requests => _requests;

    private int _unanswered;
    private int _requests;

    /// <summary>Runs <paramref name="workers"/> workers until <paramref name="stop"/> (each at most 100,000 rounds).</summary>
    public Task RunAsync(int workers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkerAsync(w, stop), CancellationToken.None)));

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        var random = new Random(seed * 1000 + worker);
        var mine = new List<Answered>();
        for (var n = 0; n < 100_000 && !stop.IsCancellationRequested; n++)
        {
            var target = random.Next(targets.Count);
            var user = $"{prefix}u{worker}-{n % 8}";
            var ids = Enumerable.Range(0, 20).Select(k => $"{prefix}e{worker}-{n}-{k}").ToArray();
            var body = JsonSerializer.Serialize(new
            {
                events = ids.Select((id, k) => new { eventId = id, userId = user, type = k % 4 == 0 ? "click" : "view", itemId = $"{prefix}item-{(n + k) % 24}" }),
            });
            if (await SendAsync(target, c => c.PostAsync("/events", Json(body))) is { StatusCode: HttpStatusCode.OK })
            {
                foreach (var id in ids)
                {
                    AckedEvents.Add(id);
                }
            }

            target = random.Next(targets.Count);
            if (await SendAsync(target, c => c.GetAsync($"/recommend?userId={user}&count=3")) is { StatusCode: HttpStatusCode.OK } answer)
            {
                var r = await answer.Content.ReadFromJsonAsync<RecommendResponse>(JsonSerializerOptions.Web, CancellationToken.None);
                var answered = new Answered(r!.RecommendationId, [.. r.Items.Select(i => i.ItemId)], Clock.Elapsed, target);
                Answers.Add(answered);
                mine.Add(answered);
                if (random.NextDouble() < 0.5)
                {
                    await FeedbackAsync(answered.Target, answered, random);
                }
            }
            // A later click on an earlier answer, through any target (another replica finds it in the database).
            if (mine.Count > 0 && random.NextDouble() < 0.3)
            {
                await FeedbackAsync(random.Next(targets.Count), mine[random.Next(mine.Count)], random);
            }
        }
    }

    private async Task FeedbackAsync(int target, Answered answered, Random random)
    {
        if (answered.ItemIds.Length == 0)
        {
            return;
        }
        var item = answered.ItemIds[random.Next(answered.ItemIds.Length)];
        var purchase = random.NextDouble() < 0.2;
        var response = await SendAsync(target, c => purchase
            ? c.PostAsJsonAsync("/feedback/purchase", new { recommendationId = answered.RecommendationId, itemId = item, amount = 12.5m })
            : c.PostAsJsonAsync("/feedback/click", new { recommendationId = answered.RecommendationId, itemId = item }));
        if (response is { StatusCode: HttpStatusCode.OK })
        {
            AckedFeedback.Add((answered.RecommendationId, item, purchase ? FeedbackType.Purchase : FeedbackType.Click));
        }
    }

    private async Task<HttpResponseMessage?> SendAsync(int target, Func<HttpClient, Task<HttpResponseMessage>> send)
    {
        Interlocked.Increment(ref _requests);
        try
        {
            var response = await send(targets[target]);
            Statuses.AddOrUpdate((int)response.StatusCode, 1, (_, c) => c + 1);
            if ((int)response.StatusCode >= 500)
            {
                Broken.Add($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri?.PathAndQuery}: {await response.Content.ReadAsStringAsync()}");
            }
            return response;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // The target is gone (killed, restarting): nothing was acknowledged.
            Interlocked.Increment(ref _unanswered);
            await Task.Delay(50);
            return null;
        }
    }

    /// <summary>The first column of every row of <paramref name="sql"/> (text).</summary>
    public static async Task<HashSet<string>> StringsAsync(string connectionString, string sql)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    /// <summary>Every stored feedback row as "recommendation item type".</summary>
    public static Task<HashSet<string>> FeedbackRowsAsync(string connectionString) =>
        StringsAsync(connectionString, "SELECT recommendation_id || ' ' || item_id || ' ' || type FROM feedback");

    public static string Row((string RecommendationId, string ItemId, FeedbackType Type) f) =>
        $"{f.RecommendationId} {f.ItemId} {(short)f.Type}";
}

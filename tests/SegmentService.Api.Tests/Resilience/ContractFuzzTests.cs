using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Resilience;

public sealed class FuzzFactory : ApiFactory
{
    // Thousands of requests a second from one client: the fuzz is about input, not about rate limits.
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("RateLimits:Enabled", "false"), new("Serilog:MinimumLevel:Default", "Fatal")];
}

public sealed class ContractFuzzTests(FuzzFactory factory) : IClassFixture<FuzzFactory>
{
    private const int Requests = 6000;
    private const string CountsSql = """
        SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM items), (SELECT count(*) FROM feedback),
               (SELECT count(*) FROM user_profiles)
        """;

    [Fact]
    public async Task RequestsGeneratedFromTheContractNeverGet5xxAndRejectedOnesStoreNothing()
    {
        using var admin = factory.Admin();
        using var frontend = factory.ClientWithKey(TestKeys.Frontend);
        for (var i = 0; i < 3; i++)
        {
            (await admin.PutAsync($"/items/fz-item-{i}", Json("""{"category":"fz","price":5}"""))).EnsureSuccessStatusCode();
        }
        var slate = JsonDocument.Parse(await (await admin.GetAsync("/recommend?userId=fz-user&count=3")).Content.ReadAsStringAsync()).RootElement;
        var known = new Dictionary<string, string>
        {
            ["recommendationId"] = slate.GetProperty("recommendationId").GetString()!,
            ["itemId"] = slate.GetProperty("items")[0].GetProperty("itemId").GetString()!,
            ["userId"] = "fz-user",
            ["key"] = "cold-start",
            ["runId"] = "1",
        };
        using var document = JsonDocument.Parse(await factory.ClientWithKey(null).GetStringAsync("/swagger/v1/swagger.json"));
        var operations = ContractFuzzer.Operations(document.RootElement);
        Assert.True(operations.Count >= 14, $"only {operations.Count} operations in the document");
        var fuzzer = new ContractFuzzer(document.RootElement, new Random(20261128), known);

        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        var counts = await CountsAsync(connection);
        var failures = new List<string>();
        var byStatus = new SortedDictionary<int, int>();
        var perOperation = operations.ToDictionary(o => $"{o.Method} {o.Path}", _ => 0);
        var comparisons = 0;
        var watch = Stopwatch.StartNew();
        for (var n = 0; n < Requests; n++)
        {
            var op = operations[n % operations.Count];
            var request = fuzzer.Next(op);
            perOperation[request.Operation]++;
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
                if (request.ContentType is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
                }
            }
            var client = n % 5 == 4 ? frontend : admin;
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(message);
            }
            catch (Exception ex)
            {
                failures.Add($"threw {ex.GetType().Name}: {ContractFuzzer.Describe(request)}");
                continue;
            }
            var status = (int)response.StatusCode;
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            if (status >= 500)
            {
                failures.Add($"{status}: {ContractFuzzer.Describe(request)} → {await response.Content.ReadAsStringAsync()}");
            }
            else if (status >= 400)
            {
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" && status != 405)
                {
                    failures.Add($"{status} without problem+json: {ContractFuzzer.Describe(request)}");
                }
                var after = await CountsAsync(connection);
                comparisons++;
                if (!after.SequenceEqual(counts))
                {
                    failures.Add($"{status} but rows changed ({string.Join(',', counts)} → {string.Join(',', after)}): {ContractFuzzer.Describe(request)}");
                }
                counts = after;
            }
            else
            {
                // An accepted feedback's behaviour event is written right behind its answer: count after it.
                await factory.FeedbackEventsWrittenAsync();
                counts = await CountsAsync(connection);
            }
            response.Dispose();
        }
        watch.Stop();

        Console.WriteLine($"contract fuzz: {Requests} requests over {operations.Count} operations in {watch.Elapsed.TotalSeconds:F1} s; " +
            $"statuses {string.Join(", ", byStatus.Select(p => $"{p.Key}×{p.Value}"))}; {comparisons} row-count comparisons after rejected requests");
        var kinds = failures.GroupBy(f => f[..Math.Min(f.Length, 90)]).Select(g => $"{g.Count()}× {g.First()}");
        Assert.True(failures.Count == 0, $"{failures.Count} failures, by kind:\n" + string.Join("\n", kinds.Take(30)));
        Assert.All(perOperation, p => Assert.True(p.Value >= Requests / operations.Count, $"{p.Key} got {p.Value} requests"));
        Assert.True(byStatus.Where(p => p.Key >= 400).Sum(p => p.Value) > Requests / 2, "most fuzzed requests should be rejected");
        Assert.True(byStatus.GetValueOrDefault(200) > 0, "some requests should pass: the generator builds valid requests to mutate");
    }

    private static async Task<long[]> CountsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(CountsSql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return [reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)];
    }
}

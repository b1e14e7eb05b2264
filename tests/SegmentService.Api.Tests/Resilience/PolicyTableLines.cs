using System.Globalization;
using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Resilience;

/// <summary>A replica's Q-table as read through GET /admin/policy: one line per cell, values in round-trip format.</summary>
public static class PolicyTableLines
{
    public static async Task<IReadOnlyList<string>> ReadAsync(ServiceProcess service)
    {
        using var admin = service.Client(TestKeys.Admin);
        return await ReadAsync(admin);
    }

    /// <param name="admin">A client with an admin key (disposed by the caller).</param>
    public static async Task<IReadOnlyList<string>> ReadAsync(HttpClient admin)
    {
        var response = await admin.GetAsync("/admin/policy?top=100");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /admin/policy answered {(int)response.StatusCode}: {text}");
        var lines = new List<string>();
        foreach (var segment in JsonDocument.Parse(text).RootElement.GetProperty("segments").EnumerateArray())
        {
            var head = string.Create(CultureInfo.InvariantCulture,
                $"{segment.GetProperty("key").GetString()} visits={segment.GetProperty("visits").GetInt64()} mean={segment.GetProperty("meanReward").GetDouble():R}");
            lines.Add(head);
            foreach (var item in segment.GetProperty("topItems").EnumerateArray())
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{head} | {item.GetProperty("itemId").GetString()} q={item.GetProperty("q").GetDouble():R} visits={item.GetProperty("visits").GetInt64()} pending={item.GetProperty("pending").GetDouble():R}"));
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>Settled impressions over the segment rows (not the per-segment rows of candidate sources).</summary>
    public static long SettledImpressions(IReadOnlyList<string> lines) =>
        lines.Where(l => !l.Contains('|', StringComparison.Ordinal) && !l.Contains('\u0001', StringComparison.Ordinal))
            .Sum(l => long.Parse(l.Split(' ')[1]["visits=".Length..], CultureInfo.InvariantCulture));

    /// <summary>Whether no cell has a pending impression left.</summary>
    public static bool NothingPending(IReadOnlyList<string> lines) =>
        lines.Where(l => l.Contains('|', StringComparison.Ordinal)).All(l => l.EndsWith(" pending=0", StringComparison.Ordinal));

    /// <summary>Waits (up to <paramref name="timeout"/>) until the service has settled <paramref name="shownItems"/> impressions and holds nothing pending.</summary>
    public static async Task<IReadOnlyList<string>> SettledAsync(ServiceProcess service, long shownItems, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = await ReadAsync(service);
            if (SettledImpressions(lines) == shownItems && NothingPending(lines))
            {
                return lines;
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"settled {SettledImpressions(lines)} of {shownItems} shown items (nothing pending: {NothingPending(lines)}) within {timeout}");
            await Task.Delay(250);
        }
    }
}

using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Segmentation;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

/// <summary>
/// Test double of the segment lookup (segmentation lands in another branch): users are planted into keys;
/// everyone else is in cold-start.
/// </summary>
public sealed class PlantedSegments : ISegmentDirectory
{
    public ConcurrentDictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    public long? CurrentRunId { get; set; }

    public SegmentAssignment Resolve(string userId) =>
        Keys.TryGetValue(userId, out var key)
            ? new SegmentAssignment(userId, key, "label of " + key, CurrentRunId, null, AssignmentSource.Run)
            : new SegmentAssignment(userId, "cold-start", "new visitors", CurrentRunId, null, AssignmentSource.ColdStart);
}

/// <summary>
/// The service with planted segments (a stand-in for the segment lookup only) and a seeded exploration source;
/// background loops slowed so tests drive them.
/// </summary>
public class PolicyFactory : ApiFactory
{
    public PlantedSegments Segments { get; } = new();

    protected virtual int Seed => 7;

    protected virtual IEnumerable<KeyValuePair<string, string?>> PolicySettings => [];

    protected sealed override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Policy:SweepInterval", "01:00:00"),
        new("Policy:SnapshotInterval", "1.00:00:00"),
        // Segments are planted here; a scheduled segmentation run would replace them mid-test.
        new("Segmentation:ScheduleEnabled", "false"),
        .. PolicySettings,
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<ISegmentDirectory>();
            services.AddSingleton<ISegmentDirectory>(Segments);
            services.RemoveAll<IPolicyRandom>();
            services.AddSingleton<IPolicyRandom>(new SeededPolicyRandom(Seed));
        });
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task AddItemsAsync(IEnumerable<(string Id, string Category, bool InStock)> items)
    {
        var body = JsonSerializer.Serialize(new
        {
            items = items.Select(i => new { itemId = i.Id, category = i.Category, price = 10, inStock = i.InStock }),
        });
        using var client = Storefront();
        (await client.PostAsync("/items", Json(body))).EnsureSuccessStatusCode();
    }

    public static async Task<RecommendResponse> RecommendAsync(HttpClient client, string query) =>
        await (await client.GetAsync("/recommend?" + query)).ReadOkAsync<RecommendResponse>();

    public static Task<HttpResponseMessage> ClickAsync(HttpClient client, string recommendationId, string itemId) =>
        client.PostAsJsonAsync("/feedback/click", new { recommendationId, itemId });

    public static Task<HttpResponseMessage> PurchaseAsync(HttpClient client, string recommendationId, string itemId, decimal amount) =>
        client.PostAsJsonAsync("/feedback/purchase", new { recommendationId, itemId, amount });

    /// <summary>Settles every impression whose window (and settle delay) has closed, as the sweeper's tick does.</summary>
    public Task<int> SweepAsync() => Get<OutcomeSweeper>().SettleAsync(CancellationToken.None);

    /// <summary>Writes the queued impressions and moves the clock past the reward window and the settle delay (twice the window with γ > 0) of everything shown so far.</summary>
    public async Task CloseWindowsAsync()
    {
        // Written first: an impression still queued when its window and half the settle delay have passed is dropped.
        await Get<ImpressionLog>().FlushAsync(CancellationToken.None);
        var options = Get<Microsoft.Extensions.Options.IOptions<PolicyOptions>>().Value;
        var window = options.Discount > 0 ? 2 * options.RewardWindow : options.RewardWindow;
        Time.Advance(window + options.SettleDelay + TimeSpan.FromSeconds(1));
    }

    /// <summary>The settled table's segment rows in key order (not the per-segment rows of what each candidate source earned).</summary>
    public IReadOnlyList<QRowSnapshot> Table() => [.. Get<QTable>().Snapshot().Where(r => !r.Key.Contains('\u0001', StringComparison.Ordinal))];

    /// <summary>The settled blend statistics (<see cref="BlendRegression"/>) of each segment's source row, in key order.</summary>
    public IReadOnlyList<(string Key, IReadOnlyList<double> Statistics)> Blend() =>
        [.. Get<QTable>().Snapshot().Where(r => r.Blend is not null).Select(r => (r.Key, r.Blend!))];

    /// <summary>A settled cell; fails when the segment never settled the item.</summary>
    public SettledCell Cell(string segmentKey, string itemId) => Table().Single(r => r.Key == segmentKey).Cells[itemId];

    /// <summary>A cell with its pending part (this replica's open impressions and their rewards).</summary>
    public QCell LiveCell(string segmentKey, string itemId) =>
        Get<QTable>().Row(segmentKey).TryGet(itemId, out var cell) ? cell : default;

    public LearningRule Rule() => Get<Microsoft.Extensions.Options.IOptions<PolicyOptions>>().Value.Rule();
}

/// <summary>A second host over <paramref name="connectionString"/> (a replica, a restart), with the given policy settings.</summary>
public sealed class ReplicaHost : PolicyFactory
{
    private readonly IEnumerable<KeyValuePair<string, string?>> _settings;

    public ReplicaHost(string connectionString, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        _settings = settings;
        JoinDatabase(connectionString);
    }

    /// <summary>A host joining <paramref name="first"/>'s database at its time, with its segment lookup and the given settings.</summary>
    public static ReplicaHost Of(PolicyFactory first, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var host = new ReplicaHost(first.ConnectionString, settings);
        host.Time.SetUtcNow(first.Time.GetUtcNow());
        foreach (var (user, key) in first.Segments.Keys)
        {
            host.Segments.Keys[user] = key;
        }
        return host;
    }

    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => _settings;
}

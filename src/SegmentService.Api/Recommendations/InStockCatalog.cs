using System.Collections.Frozen;
using Npgsql;
using SegmentService.Api.Catalog;
using SegmentService.Api.Policy;

namespace SegmentService.Api.Recommendations;

/// <summary>An immutable view of the in-stock catalogue: all ids, and ids by category (both in id order).</summary>
public sealed record CatalogView(string[] All, FrozenDictionary<string, string[]> ByCategory, FrozenDictionary<string, string> CategoryOf)
{
    public static readonly CatalogView Empty = new([], FrozenDictionary<string, string[]>.Empty, FrozenDictionary<string, string>.Empty);

    public string[] Candidates(string? category) =>
        category is null ? All : ByCategory.TryGetValue(category, out var ids) ? ids : [];
}

/// <summary>
/// The in-stock catalogue in memory, so /recommend never reads items from the database. Upserts on this
/// replica apply at once (as an <see cref="IItemsChangedObserver"/>); a periodic reload catches the others'.
/// </summary>
public sealed class InStockCatalog(NpgsqlDataSource dataSource) : IItemsChangedObserver, IPolicyStartupTask, ICandidateCatalog
{
    public Task LoadAsync(CancellationToken cancellationToken) => ReloadAsync(cancellationToken);

    public string[] Candidates(string? category) => View.Candidates(category);

    public string? CategoryOf(string itemId) => View.CategoryOf.GetValueOrDefault(itemId);

    private readonly Lock _sync = new();
    private readonly Dictionary<string, string> _inStock = new(StringComparer.Ordinal);
    private volatile CatalogView _view = CatalogView.Empty;

    public CatalogView View => _view;

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var loaded = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("SELECT item_id, category FROM items WHERE in_stock"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                loaded[reader.GetString(0)] = reader.GetString(1);
            }
        }
        lock (_sync)
        {
            _inStock.Clear();
            foreach (var (id, category) in loaded)
            {
                _inStock[id] = category;
            }
            _view = Build();
        }
    }

    public ValueTask OnItemsChangedAsync(IReadOnlyCollection<ValidItem> items, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            foreach (var item in items)
            {
                if (item.InStock)
                {
                    _inStock[item.ItemId] = item.Category;
                }
                else
                {
                    _inStock.Remove(item.ItemId);
                }
            }
            _view = Build();
        }
        return ValueTask.CompletedTask;
    }

    private CatalogView Build()
    {
        var all = _inStock.Keys.Order(StringComparer.Ordinal).ToArray();
        var byCategory = all.GroupBy(id => _inStock[id], StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        return new CatalogView(all, byCategory, _inStock.ToFrozenDictionary(StringComparer.Ordinal));
    }
}

/// <summary>Reloads the in-stock catalogue every Recommend:CatalogRefreshInterval, for upserts made on other replicas.</summary>
public sealed class CatalogRefresher(
    InStockCatalog catalog,
    PolicyReadiness readiness,
    Microsoft.Extensions.Options.IOptions<RecommendOptions> options,
    TimeProvider timeProvider,
    ILogger<CatalogRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.CatalogRefreshInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await catalog.ReloadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Reloading the in-stock catalogue failed");
            }
        }
    }
}

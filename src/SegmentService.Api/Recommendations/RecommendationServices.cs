using SegmentService.Api.Catalog;
using SegmentService.Api.Events;
using SegmentService.Api.Policy;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Recommendations;

public static class RecommendationServices
{
    /// <summary>/recommend: the in-memory catalogue and purchases, the policy's feeds from events and runs, the recommender.</summary>
    public static IServiceCollection AddRecommendations(this IServiceCollection services)
    {
        services.AddOptions<RecommendOptions>().BindConfiguration(RecommendOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<InStockCatalog>();
        services.AddSingleton<IItemsChangedObserver>(sp => sp.GetRequiredService<InStockCatalog>());
        services.AddSingleton<IPolicyStartupTask>(sp => sp.GetRequiredService<InStockCatalog>());
        services.AddSingleton<ICandidateCatalog>(sp => sp.GetRequiredService<InStockCatalog>());
        services.AddHostedService<CatalogRefresher>();

        services.AddSingleton<PurchaseHistory>();
        services.AddSingleton<IEventsCommittedObserver>(sp => sp.GetRequiredService<PurchaseHistory>());
        services.AddSingleton<IPolicyStartupTask>(sp => sp.GetRequiredService<PurchaseHistory>());

        services.AddSingleton<ItemPriorsFeed>();
        services.AddSingleton<IEventsCommittedObserver>(sp => sp.GetRequiredService<ItemPriorsFeed>());
        services.AddSingleton<ISegmentationListener>(sp => sp.GetRequiredService<ItemPriorsFeed>());
        services.AddSingleton<IPolicyStartupTask>(sp => sp.GetRequiredService<ItemPriorsFeed>());
        services.AddSingleton<SegmentCarryOver>();
        services.AddSingleton<ISegmentationListener>(sp => sp.GetRequiredService<SegmentCarryOver>());

        services.AddSingleton<Shortlists>();
        services.AddSingleton<Recommender>();
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SegmentService.Api.Catalog;
using SegmentService.Api.Events;
using SegmentService.Api.Feedback;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Policy;

public static class PolicyServices
{
    /// <summary>The policy, /recommend and feedback: options, in-memory state, writers and background loops.</summary>
    public static IServiceCollection AddPolicy(this IServiceCollection services)
    {
        services.AddPolicyOptions();

        services.TryAddSingleton<IPolicyRandom>(sp => sp.GetRequiredService<IOptions<PolicyOptions>>().Value.Seed is { } seed
            ? new SeededPolicyRandom(seed)
            : new SharedPolicyRandom());

        services.AddSingleton<QTable>();
        services.AddSingleton<ItemPriors>();
        services.AddSingleton<ItemPriorsFeed>();
        services.AddSingleton<IEventsCommittedObserver>(sp => sp.GetRequiredService<ItemPriorsFeed>());
        services.AddSingleton<ISegmentationListener>(sp => sp.GetRequiredService<ItemPriorsFeed>());
        services.AddSingleton<PolicyReadiness>();
        services.AddHealthChecks().AddCheck<PolicyReadyCheck>("policy", tags: [Hosting.HealthEndpoints.ReadyTag]);
        services.AddSingleton<PolicySnapshotStore>();
        services.AddSingleton<PolicyLearner>();
        services.AddSingleton<NextSegmentBootstraps>();
        services.AddSingleton<PolicyEvaluator>();
        services.AddSingleton<SegmentCarryOver>();
        services.AddSingleton<ISegmentationListener>(sp => sp.GetRequiredService<SegmentCarryOver>());

        services.AddSingleton<InStockCatalog>();
        services.AddSingleton<IItemsChangedObserver>(sp => sp.GetRequiredService<InStockCatalog>());
        services.AddSingleton<PurchaseHistory>();
        services.AddSingleton<IEventsCommittedObserver>(sp => sp.GetRequiredService<PurchaseHistory>());
        services.AddSingleton<ImpressionLog>();
        services.AddSingleton<Recommender>();

        services.AddSingleton<FeedbackService>();
        services.AddSingleton<RewardWindowSweeper>();

        services.AddHostedService<PolicyStartup>();
        services.AddHostedService<ImpressionFlusher>();
        services.AddHostedService<NextSegmentBootstrapFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<RewardWindowSweeper>());
        services.AddHostedService<PolicySnapshotter>();
        services.AddHostedService<PolicyLogFollower>();
        return services;
    }

    /// <summary>Policy and /recommend settings, bound and validated when the host starts.</summary>
    public static IServiceCollection AddPolicyOptions(this IServiceCollection services)
    {
        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RecommendOptions>().BindConfiguration(RecommendOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}

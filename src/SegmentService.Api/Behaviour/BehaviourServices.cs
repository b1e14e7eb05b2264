using SegmentService.Api.Catalog;
using SegmentService.Api.Events;

namespace SegmentService.Api.Behaviour;

public static class BehaviourServices
{
    /// <summary>Item-to-item CF and content matching: options, the in-memory model, its feed and start-up rebuild, and <see cref="CandidateSources"/>.</summary>
    public static IServiceCollection AddBehaviour(this IServiceCollection services)
    {
        services.AddOptions<BehaviourOptions>().BindConfiguration(BehaviourOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BehaviourModel>();
        services.AddSingleton<BehaviourSnapshots>();
        services.AddSingleton<BehaviourFeed>();
        services.AddSingleton<IEventsCommittedObserver>(sp => sp.GetRequiredService<BehaviourFeed>());
        services.AddSingleton<IItemsChangedObserver>(sp => sp.GetRequiredService<BehaviourFeed>());
        services.AddSingleton<BehaviourReadiness>();
        services.AddSingleton<CandidateSources>();
        services.AddHostedService<BehaviourStartup>();
        return services;
    }
}

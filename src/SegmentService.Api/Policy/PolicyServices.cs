using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Policy;

public static class PolicyServices
{
    /// <summary>The policy core: options, the table, priors, scoring, the outcome log, settling, snapshots and evaluation.</summary>
    public static IServiceCollection AddPolicy(this IServiceCollection services)
    {
        services.AddPolicyOptions();

        services.TryAddSingleton<IPolicyRandom>(sp => sp.GetRequiredService<IOptions<PolicyOptions>>().Value.Seed is { } seed
            ? new SeededPolicyRandom(seed)
            : new SharedPolicyRandom());

        services.AddSingleton<PolicyClock>();
        services.AddSingleton(sp =>
        {
            var policy = sp.GetRequiredService<IOptions<PolicyOptions>>().Value;
            return new QTable(new CellBudget(policy.MaxCellsPerSegment, policy.Rule()));
        });
        services.AddSingleton<ItemPriors>();
        services.AddSingleton<PolicyScorer>();
        services.AddSingleton<PolicyReadiness>();
        services.AddHealthChecks().AddCheck<PolicyReadyCheck>("policy", tags: [Hosting.HealthEndpoints.ReadyTag]);
        services.AddSingleton<ImpressionLog>();
        services.AddSingleton<OutcomeLog>();
        services.AddSingleton<OutcomeSweeper>();
        services.AddSingleton<PolicySnapshotStore>();
        services.AddSingleton<PolicyCarryOver>();
        services.AddSingleton<PolicyEvaluator>();
        services.AddSingleton<RetentionPruner>();

        services.AddHostedService<PolicyStartup>();
        services.AddHostedService<ImpressionFlusher>();
        services.AddHostedService<OutcomeLogWriter>();
        services.AddHostedService<OutcomeSweeperService>();
        services.AddHostedService<PolicySnapshotter>();
        services.AddHostedService<RetentionService>();
        return services;
    }

    /// <summary>Policy settings, bound and validated when the host starts.</summary>
    public static IServiceCollection AddPolicyOptions(this IServiceCollection services)
    {
        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}

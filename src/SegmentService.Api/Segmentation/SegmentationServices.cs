using Microsoft.Extensions.Options;
using SegmentService.Api.Events;
using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

public static class SegmentationServices
{
    public static IServiceCollection AddSegmentation(this IServiceCollection services)
    {
        services.AddOptions<SegmentationOptions>().BindConfiguration(SegmentationOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SegmentationOptions>, SegmentationOptionsValidator>();
        services.AddSingleton<ProfileReader>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<SegmentDirectory>();
        services.AddSingleton<ISegmentDirectory>(sp => sp.GetRequiredService<SegmentDirectory>());
        services.AddSingleton<SegmentationNotifier>();
        services.AddSingleton<SegmentationRunner>();
        services.AddSingleton<SegmentationCoordinator>();
        services.AddSingleton<IEventsCommittedObserver, LiveReassigner>();
        services.AddHostedService<SegmentationScheduler>();
        return services;
    }

    public static IEndpointRouteBuilder MapSegmentationApi(this IEndpointRouteBuilder app) =>
        app.MapSegmentsApi().MapSegmentationRunsApi();
}

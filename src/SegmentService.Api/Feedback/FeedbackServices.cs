using SegmentService.Api.Policy;

namespace SegmentService.Api.Feedback;

public static class FeedbackServices
{
    /// <summary>Click and purchase feedback: checks against the impression, logging through the policy's outcome log.</summary>
    public static IServiceCollection AddFeedback(this IServiceCollection services)
    {
        services.AddSingleton<FeedbackService>();
        services.AddSingleton<IFeedbackCommittedObserver, FeedbackEvents>();
        return services;
    }
}

namespace SegmentService.Api.Events;

public static class EventServices
{
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddSingleton<EventWriter>();
        return services;
    }
}

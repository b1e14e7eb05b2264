namespace SegmentService.Api.Profiles;

public static class ProfileServices
{
    public static IServiceCollection AddProfiles(this IServiceCollection services)
    {
        services.AddOptions<ProfileOptions>()
            .BindConfiguration(ProfileOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }
}

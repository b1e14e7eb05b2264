using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Hosting;

/// <summary>Who may call what: admin keys everything, storefront keys the storefront API, frontend keys events and feedback.</summary>
public static class AuthPolicies
{
    public const string Frontend = "frontend";
    public const string Storefront = "storefront";
    public const string Admin = "admin";

    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<AuthOptionsSetup>();
        services.AddSingleton<IPostConfigureOptions<AuthOptions>>(sp => sp.GetRequiredService<AuthOptionsSetup>());
        services.AddSingleton<IValidateOptions<AuthOptions>>(sp => sp.GetRequiredService<AuthOptionsSetup>());

        services.AddSingleton<ApiKeyRing>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Frontend, policy => policy.RequireRole(ApiKeyRoles.Frontend, ApiKeyRoles.Storefront, ApiKeyRoles.Admin))
            .AddPolicy(Storefront, policy => policy.RequireRole(ApiKeyRoles.Storefront, ApiKeyRoles.Admin))
            .AddPolicy(Admin, policy => policy.RequireRole(ApiKeyRoles.Admin))
            // A route that forgets RequireAuthorization is admin-only rather than public. A request no route
            // matches (404, or routing's own 405/415 endpoints) only needs a valid key, so any caller with one
            // still gets the real status.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .RequireAssertion(context =>
                    (context.Resource is HttpContext http && http.GetEndpoint() is not RouteEndpoint) || context.User.IsInRole(ApiKeyRoles.Admin))
                .Build());
        return services;
    }

    /// <summary>In Development, says which keys to use (they are the public dev keys of README, not secrets).</summary>
    public static void LogDevelopmentKeys(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return;
        }
        var options = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (options.AdminKeys.SequenceEqual([DevelopmentKeys.Admin]))
        {
            app.Logger.LogWarning(
                "Development API keys in use (X-Api-Key): storefront {StorefrontKey}, admin {AdminKey}, frontend {FrontendKey}",
                DevelopmentKeys.Storefront, DevelopmentKeys.Admin, DevelopmentKeys.Frontend);
        }
    }
}

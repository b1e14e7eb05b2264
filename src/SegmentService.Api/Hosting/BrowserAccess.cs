using Microsoft.Extensions.Options;

namespace SegmentService.Api.Hosting;

/// <summary>Which storefront origins' browsers may call the frontend routes (POST /events, POST /feedback/click).</summary>
public sealed class CorsOptions
{
    public const string Section = "Cors";

    /// <summary>Exact origins such as "https://shop.example.com"; empty: no cross-origin browser access.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>How long a browser may cache a preflight answer.</summary>
    public TimeSpan PreflightMaxAge { get; set; } = TimeSpan.FromMinutes(10);
}

public sealed class CorsOptionsValidator : IValidateOptions<CorsOptions>
{
    public ValidateOptionsResult Validate(string? name, CorsOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.AllowedOrigins.Length; i++)
        {
            var origin = options.AllowedOrigins[i];
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("https" or "http")
                || uri.AbsolutePath != "/" || origin.EndsWith('/') || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
            {
                failures.Add($"Cors:AllowedOrigins:{i} must be an origin such as https://shop.example.com (scheme, host, optional port; no path, no wildcard).");
            }
        }
        if (options.PreflightMaxAge < TimeSpan.Zero || options.PreflightMaxAge > TimeSpan.FromDays(1))
        {
            failures.Add("Cors:PreflightMaxAge must be from 0 to 1 day.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class BrowserAccess
{
    /// <summary>The CORS policy of the routes a browser calls with a frontend key.</summary>
    public const string FrontendPolicy = "frontend";

    public static IServiceCollection AddBrowserAccess(this IServiceCollection services)
    {
        services.AddOptions<CorsOptions>().BindConfiguration(CorsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CorsOptions>, CorsOptionsValidator>();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<CorsOptions>>((cors, settings) => cors.AddPolicy(FrontendPolicy, policy => policy
                .WithOrigins(settings.Value.AllowedOrigins)
                .WithMethods(HttpMethods.Post)
                .WithHeaders(ApiKeyAuthenticationHandler.HeaderName, "Content-Type")
                .WithExposedHeaders("Retry-After")
                .SetPreflightMaxAge(settings.Value.PreflightMaxAge)
                .DisallowCredentials()));
        return services;
    }
}

namespace SegmentService.Api.Dashboard;

/// <summary>
/// The dashboard at /dashboard: static files from wwwroot/dashboard (no build step; Chart.js is vendored under
/// vendor/, so the page works offline). The page itself is public; every figure on it comes from the admin API
/// with the key the user enters, kept in the tab's sessionStorage.
/// </summary>
public static class DashboardHosting
{
    public const string Path = "/dashboard";

    /// <summary>Only the page's own files: no CDN, no inline script.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

    public static WebApplication UseDashboard(this WebApplication app)
    {
        // The web root provider: wwwroot beside the app when published, the project's wwwroot (through the static
        // web assets manifest) when run from the build output in Development, and the project directory in tests.
        if (!app.Environment.WebRootFileProvider.GetDirectoryContents("dashboard").Exists)
        {
            app.Logger.LogWarning("Dashboard files not found under {WebRoot}/dashboard; /dashboard is off", app.Environment.WebRootPath);
            return app;
        }
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), dashboard =>
        {
            dashboard.UseDefaultFiles();
            dashboard.UseStaticFiles(new StaticFileOptions
            {
                OnPrepareResponse = context =>
                {
                    var headers = context.Context.Response.Headers;
                    headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    headers.XContentTypeOptions = "nosniff";
                    headers.CacheControl = "no-cache";
                },
            });
            // Anything else under /dashboard is a missing file: 404 here, not the API's "send a key" answer.
            dashboard.Run(static context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        return app;
    }
}

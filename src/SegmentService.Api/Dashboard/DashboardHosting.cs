using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

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
        var root = System.IO.Path.Combine(app.Environment.WebRootPath ?? System.IO.Path.Combine(app.Environment.ContentRootPath, "wwwroot"), "dashboard");
        if (!Directory.Exists(root))
        {
            app.Logger.LogWarning("Dashboard files not found in {Root}; /dashboard is off", root);
            return app;
        }
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.CacheControl = "no-cache";
            },
        });
        return app;
    }
}

namespace SegmentService.Api.Hosting;

/// <summary>Headers that keep browsers from sniffing, framing or leaking what the API answers.</summary>
public static class SecurityHeaders
{
    // The API answers JSON and text only; Swagger UI needs its own scripts, styles and inline images.
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";
    private const string SwaggerPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            // On starting, so the headers survive the exception handler clearing the response for a problem answer.
            context.Response.OnStarting(static state => Apply((HttpContext)state), context);
            return next(context);
        });

    private static Task Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        // A page that sets its own policy (the dashboard's static files) keeps it; everything else gets the API's or Swagger's.
        if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
        {
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/swagger") ? SwaggerPolicy : ApiPolicy;
        }
        if (context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }
        return Task.CompletedTask;
    }
}

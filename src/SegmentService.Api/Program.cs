using SegmentService.Api.Behaviour;
using SegmentService.Api.Catalog;
using SegmentService.Api.Dashboard;
using SegmentService.Api.Demo;
using SegmentService.Api.Events;
using SegmentService.Api.Feedback;
using SegmentService.Api.Hosting;
using SegmentService.Api.Metrics;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Profiles;
using SegmentService.Api.Segmentation;
using SegmentService.Api.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddSerilogLogging();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Limits.MaxRequestBodySize = ProblemHandling.MaxRequestBodyBytes;
    kestrel.AddServerHeader = false;
});
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddStorage();
builder.Services.AddApiKeyAuth();
builder.Services.AddApiRateLimits();
builder.Services.AddBrowserAccess();
builder.Services.AddGracefulShutdown();
builder.Services.AddApiProblemDetails();
builder.Services.AddApiDocumentation();
builder.Services.AddHealth();
builder.Services.AddServiceMetrics();
builder.Services.AddEvents();
builder.Services.AddCatalog();
builder.Services.AddBehaviour();
builder.Services.AddPolicy();
builder.Services.AddRecommendations();
builder.Services.AddFeedback();
builder.Services.AddDemoData();
builder.Services.AddProfiles();
builder.Services.AddSegmentation();

var app = builder.Build();

app.UseSecurityHeaders();
app.UseRetryAfterOnUnavailable();
app.UseRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestMetrics();
app.UseRequestBodyLimit();
app.UseDashboard();
app.UseCors();
app.UseAuthentication();
app.UseApiDocumentation();
app.UseAuthorization();
app.UseApiRateLimits();

app.MapHealth();
app.MapMetricsEndpoint();
app.MapEventsApi();
app.MapCatalogApi();
app.MapRecommendApi();
app.MapFeedbackApi();
app.MapPolicyApi();
app.MapPolicyHistoryApi();
app.MapSegmentationApi();

app.ValidateOptionsBeforeStart();
await app.MigrateDatabaseIfConfiguredAsync();
app.LogDevelopmentKeys();
await app.RunAsync();

/// <summary>The entry point, public for WebApplicationFactory.</summary>
public partial class Program;

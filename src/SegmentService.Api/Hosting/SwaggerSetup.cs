using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SegmentService.Api.Hosting;

/// <summary>Whether Swagger (UI and document) is served, and to whom.</summary>
public sealed class SwaggerOptions
{
    public const string Section = "Swagger";

    /// <summary>Serve /swagger; unset: on outside Production, off in Production.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Only callers with an admin key in X-Api-Key may read /swagger; unset: on in Production.</summary>
    public bool? RequireAdminKey { get; set; }
}

public static class SwaggerSetup
{
    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddOptions<SwaggerOptions>().BindConfiguration(SwaggerOptions.Section);
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "SegmentService API",
                Version = "v1",
                Description = "Behaviour events in, segment-aware recommendations out. " +
                    $"Every call but /health/* and /metrics needs an API key in the {ApiKeyAuthenticationHandler.HeaderName} header.",
                // No licence has been chosen: all rights reserved, which is what this page explains.
                License = new OpenApiLicense { Name = "No licence: all rights reserved", Url = new Uri("https://choosealicense.com/no-permission/") },
            });
            options.DocumentFilter<OpenApiDocumentFilter>();
            options.DocumentFilter<OperationDescriptions>();
            // Relative: the service that serves the document is the server (Swagger UI and generated clients resolve it).
            options.AddServer(new OpenApiServer { Url = "/", Description = "This service" });
            options.AddSecurityDefinition(ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "A storefront, frontend or admin key (see README for the Development keys).",
            });
            options.OperationFilter<ApiKeyOperationFilter>();
            options.OperationFilter<ResponseExampleOperationFilter>();
            options.SchemaFilter<ParamExampleSchemaFilter>();
            options.SupportNonNullableReferenceTypes();
            options.NonNullableReferenceTypesAsRequired();
            var xml = Path.Combine(AppContext.BaseDirectory, "SegmentService.Api.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }
        });
        return services;
    }

    /// <summary>Serves /swagger as configured; call it after authentication so an admin-only setting can see the key's role.</summary>
    public static WebApplication UseApiDocumentation(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SwaggerOptions>>().Value;
        var production = app.Environment.IsProduction();
        if (!(settings.Enabled ?? !production))
        {
            return app;
        }
        if (settings.RequireAdminKey ?? production)
        {
            app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger"), branch => branch.Use(async (context, next) =>
            {
                if (context.User.Identity?.IsAuthenticated != true)
                {
                    await context.ChallengeAsync();
                }
                else if (!context.User.IsInRole(ApiKeyRoles.Admin))
                {
                    await context.ForbidAsync();
                }
                else
                {
                    await next(context);
                }
            }));
        }
        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "SegmentService v1");
            options.DocumentTitle = "SegmentService";
            // Persisting puts a pasted key in the browser's localStorage: acceptable for the public Development keys only.
            if (app.Environment.IsDevelopment())
            {
                options.EnablePersistAuthorization();
            }
        });
        return app;
    }
}

/// <summary>Marks secured operations with the API key requirement and their 401/403 answers.</summary>
public sealed class ApiKeyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any())
        {
            return;
        }
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, context.Document)] = [],
        });
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No API key, or an unknown one (problem+json)." });
        operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The key's role may not call this endpoint (problem+json)." });
    }
}

namespace SegmentService.Api.Catalog;

public static class CatalogServices
{
    public static IServiceCollection AddCatalog(this IServiceCollection services)
    {
        services.AddSingleton<ItemWriter>();
        return services;
    }
}

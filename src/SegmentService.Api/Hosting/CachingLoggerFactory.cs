using System.Collections.Concurrent;

namespace SegmentService.Api.Hosting;

/// <summary>
/// Hands out one logger per category. Serilog's logger factory builds a new logger (with its own property cache) on
/// every <see cref="CreateLogger"/>, and ASP.NET Core creates the authentication handler, which asks for one, on
/// every request: that was the largest single source of allocations on the feedback path.
/// </summary>
public sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, factory) => factory.CreateLogger(name), inner);

    public void AddProvider(ILoggerProvider provider)
    {
        inner.AddProvider(provider);
        _loggers.Clear();
    }

    public void Dispose() => inner.Dispose();

    /// <summary>Wraps the last <see cref="ILoggerFactory"/> registration (Serilog's) in a cache.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory));
        if (registered is null || registered.Lifetime != ServiceLifetime.Singleton || registered.IsKeyedService)
        {
            return;
        }
        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(sp => new CachingLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(sp),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
        }));
    }
}

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Tests.Infrastructure;

/// <summary>Starts the service with given settings and no reachable database, to test start-up validation.</summary>
public static class StartupProbe
{
    public sealed class BareFactory(string environment, params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            builder.UseSetting("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Username=x;Password=y");
            builder.UseSetting("Database:MigrateOnStart", "false");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    /// <summary>The start-up failure's messages; fails the test if the service starts.</summary>
    /// <remarks>
    /// WebApplicationFactory races the failing host: it may touch the already disposed service provider
    /// (ObjectDisposedException) before it sees the start-up exception, so that case is retried with a new factory.
    /// </remarks>
    public static string Failure(string environment, params (string Key, string Value)[] settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var factory = new BareFactory(environment, settings);
            var error = Record.Exception(() => factory.Server);
            Assert.NotNull(error);
            if (error is ObjectDisposedException && attempt < 5)
            {
                continue;
            }
            return error is OptionsValidationException validation ? string.Join("\n", validation.Failures) : error.Message;
        }
    }

    public static void AssertStarts(string environment, params (string Key, string Value)[] settings)
    {
        using var factory = new BareFactory(environment, settings);
        Assert.NotNull(factory.Server);
    }
}

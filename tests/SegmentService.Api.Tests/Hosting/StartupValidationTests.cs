using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Hosting;

public sealed class StartupValidationTests
{
    private sealed class BareFactory(string environment, params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
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

    /// <remarks>
    /// WebApplicationFactory races the failing host: it may touch the already disposed service provider
    /// (ObjectDisposedException) before it sees the start-up exception, so that case is retried with a new factory.
    /// </remarks>
    private static string StartupFailure(Func<BareFactory> create)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var factory = create();
            var error = Record.Exception(() => factory.Server);
            Assert.NotNull(error);
            if (error is ObjectDisposedException && attempt < 5)
            {
                continue;
            }
            return error is OptionsValidationException validation ? string.Join("\n", validation.Failures) : error.Message;
        }
    }

    [Fact]
    public void ProductionRefusesToStartWithoutKeys()
    {
        var message = StartupFailure(() => new BareFactory("Production"));
        Assert.Contains("Auth:StorefrontKeys", message, StringComparison.Ordinal);
        Assert.Contains("Auth:AdminKeys", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortKeyStopsStartupNamingTheSetting()
    {
        var message = StartupFailure(() => new BareFactory("Production",
            ("Auth:StorefrontKeys:0", "short"), ("Auth:AdminKeys:0", TestKeys.Admin)));
        Assert.Contains("Auth:StorefrontKeys:0", message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyInTwoRolesStopsStartup()
    {
        var message = StartupFailure(() => new BareFactory("Production",
            ("Auth:StorefrontKeys:0", TestKeys.Admin), ("Auth:AdminKeys:0", TestKeys.Admin)));
        Assert.Contains("a key has one role", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DevelopmentStartsWithDevelopmentKeys()
    {
        using var factory = new BareFactory("Development");
        Assert.NotNull(factory.Server);
    }

    [Fact]
    public void BadDatabaseSettingStopsStartupNamingIt()
    {
        var message = StartupFailure(() => new BareFactory("Development", ("Database:StartupTimeout", "01:00:00")));
        Assert.Contains("StartupTimeout", message, StringComparison.Ordinal);
    }
}

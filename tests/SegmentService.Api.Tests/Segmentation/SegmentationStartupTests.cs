using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Tests.Segmentation;

public sealed class SegmentationStartupTests
{
    private sealed class BareFactory(params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Username=x;Password=y");
            builder.UseSetting("Database:MigrateOnStart", "false");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    private static string StartupFailure(params (string Key, string Value)[] settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var factory = new BareFactory(settings);
            var error = Record.Exception(() => factory.Server);
            Assert.NotNull(error);
            // WebApplicationFactory races the failing host: it may touch the already disposed service provider
            // (ObjectDisposedException) before it sees the start-up exception. Try again to see the real one.
            if (error is ObjectDisposedException && attempt < 5)
            {
                continue;
            }
            return error is OptionsValidationException validation ? string.Join("\n", validation.Failures) : error.Message;
        }
    }

    [Theory]
    [InlineData("Segmentation:K", "1", "Segmentation:K must be from 2")]
    [InlineData("Segmentation:K", "500", "Segmentation:K must be from 2")]
    [InlineData("Segmentation:KRange", "7-3", "Segmentation:KRange must be min-max")]
    [InlineData("Segmentation:KRange", "three", "Segmentation:KRange must look like")]
    [InlineData("Segmentation:Interval", "00:00:00", "Segmentation:Interval must be from")]
    [InlineData("Segmentation:MinUsers", "0", "Segmentation:MinUsers must be at least 1")]
    public void BadSegmentationSettingStopsStartupNamingIt(string key, string value, string expected) =>
        Assert.Contains(expected, StartupFailure((key, value)), StringComparison.Ordinal);
}

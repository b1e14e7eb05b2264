using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Tests.Policy;

public sealed class PolicyOptionsTests
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

    [Theory]
    [InlineData("Policy:Epsilon", "1.5")]
    [InlineData("Policy:Temperature", "0")]
    [InlineData("Policy:LearningRate", "0")]
    [InlineData("Policy:Discount", "1")]
    [InlineData("Policy:RewardWindow", "00:00:00")]
    [InlineData("Policy:Rewards:Purchase", "NaN")]
    [InlineData("Recommend:MaxExclude", "0")]
    public void BadSettingStopsStartupNamingIt(string key, string value)
    {
        using var factory = new BareFactory((key, value));
        var error = Record.Exception(() => factory.Server);
        var message = error is OptionsValidationException validation ? string.Join("\n", validation.Failures) : error?.Message;
        Assert.NotNull(message);
        Assert.Contains(key, message, StringComparison.Ordinal);
    }
}

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SegmentService.Api.Policy;

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
    [InlineData("Policy:BootstrapWindow", "31.00:00:00")]
    [InlineData("Policy:Rewards:Purchase", "NaN")]
    [InlineData("Recommend:MaxExclude", "0")]
    public async Task BadSettingStopsHostStartNamingIt(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new(key, value)]);
        builder.Services.AddPolicyOptions();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, string.Join("\n", error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void TheServiceDoesNotStartWithABadPolicySetting()
    {
        using var factory = new BareFactory(("Policy:Epsilon", "-0.1"));
        Assert.NotNull(Record.Exception(() => factory.Server));
    }

    [Fact]
    public void TheServiceStartsWithTheDefaults()
    {
        using var factory = new BareFactory();
        Assert.NotNull(factory.Server);
    }
}

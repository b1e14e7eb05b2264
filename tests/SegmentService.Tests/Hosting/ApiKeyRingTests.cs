using Microsoft.Extensions.Options;
using SegmentService.Api.Hosting;

namespace SegmentService.Tests.Hosting;

public sealed class ApiKeyRingTests
{
    private sealed class StaticMonitor(AuthOptions value) : IOptionsMonitor<AuthOptions>
    {
        public AuthOptions CurrentValue => value;
        public AuthOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<AuthOptions, string?> listener) => null;
    }

    private static readonly ApiKeyRing Ring = new(new StaticMonitor(new AuthOptions
    {
        AdminKeys = ["admin-key-0123456789"],
        StorefrontKeys = ["store-key-0123456789", "store-key-second-000"],
        FrontendKeys = ["front-key-0123456789"],
    }));

    [Theory]
    [InlineData("admin-key-0123456789", ApiKeyRoles.Admin)]
    [InlineData("store-key-0123456789", ApiKeyRoles.Storefront)]
    [InlineData("store-key-second-000", ApiKeyRoles.Storefront)]
    [InlineData("front-key-0123456789", ApiKeyRoles.Frontend)]
    [InlineData("admin-key-012345678", null)]
    [InlineData("ADMIN-KEY-0123456789", null)]
    [InlineData("", null)]
    public void KeysMapToTheirRoleExactly(string key, string? role) => Assert.Equal(role, Ring.FindRole(key));

    [Fact]
    public void VeryLongKeyIsRejectedWithoutError() => Assert.Null(Ring.FindRole(new string('k', 100_000)));
}

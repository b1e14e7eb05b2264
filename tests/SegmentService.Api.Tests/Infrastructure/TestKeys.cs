namespace SegmentService.Api.Tests.Infrastructure;

public static class TestKeys
{
    public const string Storefront = "test-storefront-key-0001";
    public const string Admin = "test-admin-key-000000001";
    public const string Frontend = "test-frontend-key-000001";
}

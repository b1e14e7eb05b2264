using System.Net;
using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Segmentation;

public sealed class SegmentEndpointTests(SegmentationFactory factory) : IClassFixture<SegmentationFactory>
{
    private readonly HttpClient _admin = factory.Admin();

    [Fact]
    public async Task UnknownRunIdIsA404Problem() =>
        await (await _admin.GetAsync("/admin/segmentation/runs/987654")).AssertProblemAsync(HttpStatusCode.NotFound);

    [Fact]
    public async Task MalformedRunIdIsA400NamingIt() =>
        await (await _admin.GetAsync("/admin/segmentation/runs/abc")).AssertFieldErrorAsync("runId");

    [Fact]
    public async Task UnknownSegmentKeyIsA404Problem() =>
        await (await _admin.GetAsync("/segments/seg-999")).AssertProblemAsync(HttpStatusCode.NotFound);

    [Fact]
    public async Task OverlongUserIdIsA400NamingIt() =>
        await (await _admin.GetAsync($"/users/{new string('x', 129)}/segment")).AssertFieldErrorAsync("userId");

    [Fact]
    public async Task UnknownUserIsInTheColdStartSegment()
    {
        var answer = await _admin.UserSegmentAsync("nobody-ever");
        Assert.Equal(("cold-start", "cold-start", null), (answer.Segment.Key, answer.Source, answer.AssignedAt));
    }

    [Fact]
    public async Task SegmentEndpointsNeedAnAdminKey()
    {
        await (await factory.Storefront().GetAsync("/segments")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await factory.Storefront().PostAsync("/admin/segmentation/runs", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await factory.ClientWithKey(null).GetAsync("/users/u1/segment")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}

public sealed class SkippedRunTests(SegmentationFactory factory) : IClassFixture<SegmentationFactory>
{
    [Fact]
    public async Task RunBelowMinUsersIsRecordedAsSkipped()
    {
        var shop = new PlantedShop(factory, groups: 1, usersPerGroup: 5);
        await shop.PostCatalogueAsync();
        await shop.PostBehaviourAsync();
        var admin = factory.Admin();

        var run = await admin.WaitForRunAsync(await admin.StartRunAsync());

        Assert.Equal("skipped", run.GetProperty("status").GetString());
        Assert.Equal(5, run.GetProperty("users").GetInt32());
        Assert.Contains("MinUsers", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await (await admin.GetAsync("/segments")).ReadOkAsync<JsonElement>()).GetArrayLength());
    }
}

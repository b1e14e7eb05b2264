using System.Net;
using SegmentService.Api.Catalog;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Catalog;

public sealed class CatalogTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task PutThenGetReturnsTheItem()
    {
        var put = await (await _client.PutAsync("/items/sku-put",
            Json("""{"category":"shoes","price":49.0,"inStock":true,"title":"Trail runner"}"""))).ReadOkAsync<ItemResponse>();
        var got = await (await _client.GetAsync("/items/sku-put")).ReadOkAsync<ItemResponse>();

        Assert.Equal(put, got);
        Assert.Equal(("shoes", 49.0m, true, "Trail runner"), (got.Category, got.Price, got.InStock, got.Title));
    }

    [Fact]
    public async Task PutReplacesAnExistingItem()
    {
        await _client.PutAsync("/items/sku-upd", Json("""{"category":"shoes","price":10}"""));
        await _client.PutAsync("/items/sku-upd", Json("""{"category":"bags","price":12.5,"inStock":false}"""));

        var got = await (await _client.GetAsync("/items/sku-upd")).ReadOkAsync<ItemResponse>();
        Assert.Equal(("bags", 12.5m, false, (string?)null), (got.Category, got.Price, got.InStock, got.Title));
    }

    [Fact]
    public async Task UnknownItemIsA404Problem()
    {
        await (await _client.GetAsync("/items/no-such-item")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"price":1}""", "category")]
    [InlineData("""{"category":"","price":1}""", "category")]
    [InlineData("""{"category":"shoes"}""", "price")]
    [InlineData("""{"category":"shoes","price":-1}""", "price")]
    [InlineData("""{"category":"shoes","price":"cheap"}""", "price")]
    [InlineData("""{"category":"shoes","price":1,"inStock":"yes"}""", "inStock")]
    [InlineData("""{"category":"shoes","price":1,"itemId":"other"}""", "itemId")]
    [InlineData("""{"category":"\udc00","price":1}""", "category")]
    [InlineData("""{"category":"shoes","price":1e400}""", "price")]
    public async Task InvalidPutNamesTheField(string body, string field)
    {
        var response = await _client.PutAsync("/items/sku-invalid", Json(body));
        await response.AssertFieldErrorAsync(field);
        await (await _client.GetAsync("/items/sku-invalid")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OverlongCategoryIsRejected()
    {
        var response = await _client.PutAsync("/items/sku-long", Json($$"""{"category":"{{new string('c', 65)}}","price":1}"""));
        await response.AssertFieldErrorAsync("category");
    }

    [Fact]
    public async Task BatchUpsertStoresValidItemsAndReportsInvalidOnes()
    {
        var result = await (await _client.PostAsync("/items", Json("""
            {"items":[
              {"itemId":"b-1","category":"shoes","price":1},
              {"itemId":"b-2","category":"shoes","price":-5},
              {"itemId":"b-3","category":"bags","price":3},
              {"itemId":"b-3","category":"hats","price":4}
            ]}
            """))).ReadOkAsync<ItemBatchResult>();

        Assert.Equal(2, result.Upserted);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal((1, "b-2"), (rejected.Index, rejected.ItemId));
        Assert.True(rejected.Errors.ContainsKey("price"));
        Assert.Equal("hats", (await (await _client.GetAsync("/items/b-3")).ReadOkAsync<ItemResponse>()).Category);
        await (await _client.GetAsync("/items/b-2")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BatchOverTheLimitIsA400()
    {
        var items = string.Join(",", Enumerable.Range(0, 1001).Select(i => $$"""{"itemId":"x-{{i}}","category":"c","price":1}"""));
        var response = await _client.PostAsync("/items", Json($$"""{"items":[{{items}}]}"""));
        await response.AssertFieldErrorAsync("items");
    }

    [Fact]
    public async Task ControlCharacterInPathIdIsA400()
    {
        var response = await _client.GetAsync("/items/bad%01id");
        await response.AssertFieldErrorAsync("itemId");
    }
}

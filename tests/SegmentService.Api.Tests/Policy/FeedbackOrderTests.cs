using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;
using SegmentService.Api.Recommendations;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

public sealed class FeedbackOrderFactory : PolicyFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 8).Select(i => ($"o-item-{i}", "shoes", true)));
    }
}

/// <summary>The table is a function of the log, not of the order in which outcomes arrive.</summary>
public sealed class FeedbackOrderTests(FeedbackOrderFactory factory) : IClassFixture<FeedbackOrderFactory>
{
    [Fact]
    public async Task TheSameOutcomesPostedInAnotherOrderAndInBatchesGiveTheSameTable()
    {
        var second = new FeedbackOrderFactory();
        await second.InitializeAsync();
        try
        {
            foreach (var host in new PolicyFactory[] { factory, second })
            {
                for (var u = 0; u < 4; u++)
                {
                    host.Segments.Keys[$"ord-{u}"] = $"seg-ord-{u % 2}";
                }
            }
            // The same requests at the same times to two services with the same seed: the same slates.
            using var clientA = factory.Storefront();
            using var clientB = second.Storefront();
            var answersA = new List<RecommendResponse>();
            var answersB = new List<RecommendResponse>();
            for (var i = 0; i < 40; i++)
            {
                answersA.Add(await PolicyFactory.RecommendAsync(clientA, $"userId=ord-{i % 4}&count=3"));
                answersB.Add(await PolicyFactory.RecommendAsync(clientB, $"userId=ord-{i % 4}&count=3"));
                factory.Time.Advance(TimeSpan.FromSeconds(1));
                second.Time.Advance(TimeSpan.FromSeconds(1));
            }
            Assert.Equal(answersA.Select(a => string.Join(",", a.Items.Select(i => i.ItemId))), answersB.Select(a => string.Join(",", a.Items.Select(i => i.ItemId))));

            // Outcomes: (answer, slot, purchase?). A gets them one by one in answer order; B all at once, newest first.
            var random = new Random(21);
            var outcomes = Enumerable.Range(0, 40)
                .SelectMany(i => Enumerable.Range(0, 3).Where(_ => random.NextDouble() < 0.4).Select(slot => (i, slot, random.NextDouble() < 0.3)))
                .ToList();
            Assert.True(outcomes.Count > 20);
            Task<HttpResponseMessage> Post(HttpClient client, RecommendResponse answer, int slot, bool purchase) => purchase
                ? PolicyFactory.PurchaseAsync(client, answer.RecommendationId, answer.Items[slot].ItemId, 10)
                : PolicyFactory.ClickAsync(client, answer.RecommendationId, answer.Items[slot].ItemId);
            foreach (var (i, slot, purchase) in outcomes)
            {
                Assert.True((await (await Post(clientA, answersA[i], slot, purchase)).ReadOkAsync<FeedbackResponse>()).Applied);
            }
            var posted = await Task.WhenAll(Enumerable.Reverse(outcomes).Select(o => Post(clientB, answersB[o.i], o.slot, o.Item3)));
            foreach (var response in posted)
            {
                Assert.True((await response.ReadOkAsync<FeedbackResponse>()).Applied);
            }

            await factory.CloseWindowsAsync();
            await second.CloseWindowsAsync();
            Assert.Equal(40, await factory.SweepAsync());
            Assert.Equal(40, await second.SweepAsync());
            var table = factory.Table();
            TableAssert.Equal(table, second.Table());
            Assert.Equal(120, TableAssert.Impressions(table));
            Assert.Equal(outcomes.Sum(o => o.Item3 ? 5.0 : 1.0), table.Sum(r => r.Totals.Reward), 12);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }
}

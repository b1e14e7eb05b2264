using SegmentService.Api.Feedback;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Policy;

/// <summary>A long linger and one-row group commits: a call of behaviour events holds at most 5 rows (5 × batch size).</summary>
public sealed class LingeringFeedbackFactory : PolicyFactory
{
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(10);

    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings =>
    [
        new("Policy:Epsilon", "0"),
        new("Policy:FeedbackEventsLinger", Linger.ToString()),
        new("Policy:FeedbackBatchSize", "1"),
        new("Policy:FeedbackWriters", "1"),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 8).Select(i => ($"linger-item-{i}", "hats", true)));
    }
}

public sealed class FeedbackEventsLingerTests(LingeringFeedbackFactory factory) : IClassFixture<LingeringFeedbackFactory>
{
    private readonly HttpClient _client = factory.Storefront();

    [Fact]
    public async Task BacklogOfBehaviourEventsIsWrittenWithoutWaitingALingerPerCall()
    {
        factory.Segments.Keys["lingerer"] = "seg-linger";
        var pairs = new List<(string Recommendation, string Item)>();
        for (var i = 0; i < 3; i++)
        {
            var answer = await PolicyFactory.RecommendAsync(_client, "userId=lingerer&count=4");
            pairs.AddRange(answer.Items.Select(item => (answer.RecommendationId, item.ItemId)));
        }
        Assert.Equal(12, pairs.Count);

        // The first commit sends the events loop into its linger (the fake clock never runs on by itself) while the
        // others commit behind it: 12 rows waiting, more than two calls' worth.
        foreach (var pair in pairs)
        {
            await ClickAsync(pair);
        }

        // One linger passes: the loop takes 5 rows, then 5 more at once since a full call waits, and lingers on the last 2
        // (or, had it woken late, wrote 10 already). Were every call to wait a linger, only 5 would be written here.
        factory.Time.Advance(LingeringFeedbackFactory.Linger);
        Assert.InRange(await ClickEventsWhenAtLeastAsync(10, advance: false), 10L, 12L);

        // The last rows follow once their linger has passed; none is lost.
        Assert.Equal(12L, await ClickEventsWhenAtLeastAsync(12, advance: true));
        await factory.FeedbackEventsWrittenAsync();
    }

    private async Task ClickAsync((string Recommendation, string Item) pair)
    {
        var answer = await (await PolicyFactory.ClickAsync(_client, pair.Recommendation, pair.Item)).ReadOkAsync<FeedbackResponse>();
        Assert.True(answer.Applied);
    }

    private Task<long> ClickEventsAsync() =>
        factory.ScalarAsync<long>("SELECT count(*) FROM events WHERE user_id = 'lingerer' AND source = 'feedback'");

    /// <summary>The count once it reaches <paramref name="least"/> (polled for up to 5 s, passing a linger between polls if asked), or as it stands then.</summary>
    private async Task<long> ClickEventsWhenAtLeastAsync(long least, bool advance)
    {
        var count = await ClickEventsAsync();
        for (var attempt = 0; attempt < 250 && count < least; attempt++)
        {
            if (advance)
            {
                factory.Time.Advance(LingeringFeedbackFactory.Linger);
            }
            await Task.Delay(20);
            count = await ClickEventsAsync();
        }
        return count;
    }
}

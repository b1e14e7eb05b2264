using System.Globalization;
using System.Text.Json.Nodes;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Tests.Infrastructure;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

/// <summary>Small purchase-history bounds over a 20-shoe catalogue.</summary>
public class PurchaseBoundFactory : PolicyFactory
{
    public static readonly KeyValuePair<string, string?>[] Bounds =
    [
        new("Recommend:MaxPurchasesPerUser", "3"),
        new("Recommend:MaxPurchaseUsers", "8"),
    ];

    protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings => Bounds;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddItemsAsync(Enumerable.Range(0, 20).Select(i => ($"shoe-{i:00}", "shoes", true)));
    }

    /// <summary>Posts one purchase per (user, item, minutes before now) with the storefront key.</summary>
    public async Task BuyAsync(params (string User, string Item, int MinutesAgo)[] purchases)
    {
        var events = new JsonArray();
        foreach (var (user, item, minutesAgo) in purchases)
        {
            events.Add(new JsonObject
            {
                ["eventId"] = $"buy-{user}-{item}-{minutesAgo}",
                ["userId"] = user,
                ["type"] = "purchase",
                ["itemId"] = item,
                ["occurredAt"] = Time.GetUtcNow().AddMinutes(-minutesAgo).ToString("O"),
            });
        }
        using var client = Storefront();
        (await client.PostAsync("/events", Json(new JsonObject { ["events"] = events }.ToJsonString()))).EnsureSuccessStatusCode();
    }

    /// <summary>Every shoe /recommend offers the user (count 100 over 20 shoes: all that are not excluded).</summary>
    public static async Task<HashSet<string>> OfferedAsync(PolicyFactory host, string user)
    {
        using var client = host.Storefront();
        var answer = await RecommendAsync(client, $"userId={user}&count=100&category=shoes");
        return answer.Items.Select(i => i.ItemId).ToHashSet(StringComparer.Ordinal);
    }
}

public sealed class UserPurchaseBoundFactory : PurchaseBoundFactory;

public sealed class PurchaseUsersBoundFactory : PurchaseBoundFactory;

public sealed class PurchasesPerUserBoundTests(UserPurchaseBoundFactory factory) : IClassFixture<UserPurchaseBoundFactory>
{
    [Fact]
    public async Task EachUserKeepsTheirMostRecentPurchasesExcludedAndCountsTheOlderAsShedAlsoAfterARestart()
    {
        // Six purchases, posted out of time order: shoe-05 is the newest, shoe-00 the oldest.
        await factory.BuyAsync(("buyer", "shoe-03", 57), ("buyer", "shoe-00", 60), ("buyer", "shoe-05", 55));
        await factory.BuyAsync(("buyer", "shoe-01", 59), ("buyer", "shoe-04", 56), ("buyer", "shoe-02", 58));

        var history = factory.Get<PurchaseHistory>();
        Assert.Equal(1, history.Users);
        Assert.Equal(3, history.Purchases);
        Assert.Equal(3, history.ShedPurchases);
        var metrics = await Scrape.MetricsAsync(factory);
        Assert.Equal(3, Scrape.Value(metrics, "segmentservice_memory_entries{map=\"purchases\"}"));
        Assert.Equal(3, Scrape.Value(metrics, "segmentservice_memory_shed_total{map=\"purchases\"}"));
        AssertOffers(await PurchaseBoundFactory.OfferedAsync(factory, "buyer"));

        // A restart reads only what fits: the buyer's three latest purchases.
        var restarted = ReplicaHost.Of(factory, PurchaseBoundFactory.Bounds);
        await restarted.InitializeAsync();
        try
        {
            await restarted.Get<SegmentService.Api.Policy.PolicyReadiness>().WaitAsync(CancellationToken.None);
            var loaded = restarted.Get<PurchaseHistory>();
            Assert.Equal(1, loaded.Users);
            Assert.Equal(3, loaded.Purchases);
            AssertOffers(await PurchaseBoundFactory.OfferedAsync(restarted, "buyer"));
        }
        finally
        {
            await restarted.DisposeAsync();
        }
    }

    private static void AssertOffers(HashSet<string> offered)
    {
        Assert.Equal(17, offered.Count);
        Assert.DoesNotContain("shoe-03", offered);
        Assert.DoesNotContain("shoe-04", offered);
        Assert.DoesNotContain("shoe-05", offered);
        Assert.Contains("shoe-00", offered); // forgotten: the oldest purchase past the bound
    }
}

public sealed class PurchaseUsersBoundTests(PurchaseUsersBoundFactory factory) : IClassFixture<PurchaseUsersBoundFactory>
{
    [Fact]
    public async Task PastMaxPurchaseUsersTheUsersWhoBoughtLongestAgoAreForgottenAndARestartLoadsOnlyTheLatest()
    {
        // Twelve users, one purchase each, u-00 longest ago; the bound is 8.
        await factory.BuyAsync([.. Enumerable.Range(0, 12).Select(i => ($"u-{i:00}", $"shoe-{i:00}", 100 - i))]);

        var history = factory.Get<PurchaseHistory>();
        Assert.InRange(history.Users, 1, 8);
        Assert.Equal(history.Users, history.Purchases);
        Assert.Equal(12 - history.Users, history.ShedUsers);
        Assert.Equal(12 - history.Users, history.ShedPurchases);
        var metrics = await Scrape.MetricsAsync(factory);
        Assert.Equal(history.Users, Scrape.Value(metrics, "segmentservice_memory_entries{map=\"purchase_users\"}"));
        Assert.Equal(12 - history.Users, Scrape.Value(metrics, "segmentservice_memory_shed_total{map=\"purchase_users\"}"));
        Assert.DoesNotContain("shoe-11", await PurchaseBoundFactory.OfferedAsync(factory, "u-11"));
        Assert.Contains("shoe-00", await PurchaseBoundFactory.OfferedAsync(factory, "u-00"));

        var restarted = ReplicaHost.Of(factory, PurchaseBoundFactory.Bounds);
        await restarted.InitializeAsync();
        try
        {
            await restarted.Get<SegmentService.Api.Policy.PolicyReadiness>().WaitAsync(CancellationToken.None);
            var loaded = restarted.Get<PurchaseHistory>();
            Assert.Equal(8, loaded.Users);
            Assert.Equal(8, loaded.Purchases);
            Assert.Equal(0, loaded.ShedUsers);
            Assert.DoesNotContain("shoe-04", await PurchaseBoundFactory.OfferedAsync(restarted, "u-04"));
            Assert.Contains("shoe-03", await PurchaseBoundFactory.OfferedAsync(restarted, "u-03"));
        }
        finally
        {
            await restarted.DisposeAsync();
        }
    }
}

/// <summary>Reads /metrics of a host.</summary>
internal static class Scrape
{
    public static async Task<string> MetricsAsync(ApiFactory host)
    {
        using var client = host.ClientWithKey(null);
        var response = await client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return "\n" + await response.Content.ReadAsStringAsync();
    }

    public static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }
        throw new Xunit.Sdk.XunitException($"{series} is not in /metrics");
    }
}

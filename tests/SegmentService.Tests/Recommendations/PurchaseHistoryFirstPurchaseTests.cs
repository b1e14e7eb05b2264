using Microsoft.Extensions.Options;
using Npgsql;
using SegmentService.Api.Recommendations;

namespace SegmentService.Tests.Recommendations;

/// <summary>
/// <see cref="PurchaseHistory.IsFirstPurchase"/>, which the priors ask whether a purchase event counts: the answer must not
/// depend on whether the history already took the event in (the observers run in registration order).
/// </summary>
public sealed class PurchaseHistoryFirstPurchaseTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly NpgsqlDataSource _unused = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=1");

    public void Dispose() => _unused.Dispose();

    private PurchaseHistory History(int perUser = 100) =>
        new(_unused, Options.Create(new RecommendOptions { MaxPurchasesPerUser = perUser }));

    [Fact]
    public void TheEarliestPurchaseIsFirstWhetherOrNotItWasAddedAlready()
    {
        var history = History();
        Assert.True(history.IsFirstPurchase("u", "a", Start));
        history.Add("u", "a", Start);
        Assert.True(history.IsFirstPurchase("u", "a", Start));
        Assert.False(history.IsFirstPurchase("u", "a", Start.AddDays(1)));
        history.Add("u", "a", Start.AddDays(1));
        Assert.False(history.IsFirstPurchase("u", "a", Start.AddDays(1)));
        Assert.True(history.IsFirstPurchase("u", "b", Start.AddDays(1)));
        Assert.True(history.IsFirstPurchase("v", "a", Start.AddDays(1)));
    }

    [Fact]
    public void AnOlderPurchaseArrivingLateBecomesTheFirst()
    {
        var history = History();
        history.Add("u", "a", Start);
        history.Add("u", "a", Start.AddHours(-1));

        Assert.True(history.IsFirstPurchase("u", "a", Start.AddHours(-1)));
        Assert.False(history.IsFirstPurchase("u", "a", Start));
    }

    [Fact]
    public void APurchaseForgottenPastTheUsersBoundCountsAsFirstAgain()
    {
        var history = History(perUser: 2);
        history.Add("u", "a", Start);
        history.Add("u", "b", Start.AddMinutes(1));
        history.Add("u", "c", Start.AddMinutes(2));

        Assert.True(history.IsFirstPurchase("u", "a", Start.AddMinutes(3)));
        Assert.False(history.IsFirstPurchase("u", "c", Start.AddMinutes(3)));
    }
}

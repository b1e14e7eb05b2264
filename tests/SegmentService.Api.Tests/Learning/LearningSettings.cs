using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Learning;

// ============================================================================================
//  THE ONE PLACE for every learning-related setting of the planted-shop proof harness.
//  Everything not named here is the service's default (exploration, learning rate, priors,
//  segmentation K, ...). Change a figure here and every learning test and curve follows.
// ============================================================================================
public static class LearningSettings
{
    /// <summary>Short reward window so a run of tens of seconds spans many windows (production: 10 min).</summary>
    public static readonly TimeSpan RewardWindow = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The sweeper's real timer, scaled with the window: production sweeps every 15 s against a 10 min window
    /// (1/40 of it); the default 15 s against a 2 s window would hold every zero 7 windows late.
    /// </summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Seeds the service's exploration source: reproducible slates for a given order of requests.</summary>
    public const int ExplorationSeed = 7;

    /// <summary>Shoppers in flight at once.</summary>
    public const int ConcurrentShoppers = 24;

    /// <summary>
    /// How long a shopper looks at a slate before the next request (uniform from half to one and a half times this):
    /// paces 24 shoppers to roughly 120 recommendations a second, a load the service carries without queueing.
    /// </summary>
    public static readonly TimeSpan ShopperThinkTime = TimeSpan.FromMilliseconds(150);

    /// <summary>Clicks are collected and posted in bursts this often: well inside the window.</summary>
    public static readonly TimeSpan FeedbackBurstInterval = TimeSpan.FromMilliseconds(300);

    /// <summary>Share of clicks that also get purchase feedback.</summary>
    public const double PurchaseShareOfClicks = 0.10;

    /// <summary>Recommendations per measured window of the curve.</summary>
    public const int WindowSize = 250;

    /// <summary>The service configuration the harness sets (on top of test keys and the database).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> ServiceConfiguration =>
    [
        new("Policy:RewardWindow", RewardWindow.ToString("c", System.Globalization.CultureInfo.InvariantCulture)),
        new("Policy:SweepInterval", SweepInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture)),
        new("Policy:Seed", ExplorationSeed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}

/// <summary>
/// The real service on the real clock (<see cref="TimeProvider.System"/>), so the sweeper, the snapshotter and the
/// other background services tick on their own timers, as in production. Settings: <see cref="LearningSettings"/>.
/// </summary>
public class RealTimeShopFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => LearningSettings.ServiceConfiguration;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton(TimeProvider.System);
        });
    }
}

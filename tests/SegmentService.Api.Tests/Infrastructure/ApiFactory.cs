using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace SegmentService.Api.Tests.Infrastructure;

/// <summary>
/// The real service over its own fresh PostgreSQL database (created, migrated at start, dropped after),
/// with a <see cref="FakeTimeProvider"/> for the clock. One per test class.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Start);

    public string ConnectionString { get; protected set; } = "";

    /// <summary>Extra settings for a derived factory (configuration key → value).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    protected virtual string EnvironmentName => "Testing";

    private bool _joined;

    /// <summary>Whether this factory created its database and so drops it when disposed.</summary>
    protected virtual bool OwnsDatabase => !_joined;

    /// <summary>Makes this a second host (a replica, a restart) on another factory's database: it neither creates nor drops it.</summary>
    protected void JoinDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        _joined = true;
    }

    public virtual async Task InitializeAsync()
    {
        if (_joined)
        {
            _ = Server;
            return;
        }
        ConnectionString = await TestPostgres.CreateDatabaseAsync("ss_" + GetType().Name);
        _ = Server; // start the host now: applies migrations
        await WaitUntilReadyAsync();
    }

    /// <summary>Waits (up to 5 s) until the behaviour events of every answered feedback are written (they follow the answer).</summary>
    public async Task FeedbackEventsWrittenAsync()
    {
        var log = Services.GetRequiredService<SegmentService.Api.Policy.OutcomeLog>();
        for (var attempt = 0; attempt < 500 && !log.ObserversIdle; attempt++)
        {
            await Task.Delay(10);
        }
        Assert.True(log.ObserversIdle, "feedback events were not written within 5 s");
    }

    /// <summary>Waits (bounded) for /health/ready: the policy loads its state in the background after start.</summary>
    public async Task WaitUntilReadyAsync()
    {
        using var client = CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.GetAsync("/health/ready")).StatusCode != System.Net.HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "/health/ready did not turn healthy within 30 s");
            await Task.Delay(20);
        }
    }

    public new virtual async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (OwnsDatabase && ConnectionString.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("ConnectionStrings:Postgres", ConnectionString);
        builder.UseSetting("Auth:StorefrontKeys:0", TestKeys.Storefront);
        builder.UseSetting("Auth:AdminKeys:0", TestKeys.Admin);
        builder.UseSetting("Auth:FrontendKeys:0", TestKeys.Frontend);
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        // The fake clock never runs on by itself: feedback events are written as soon as they commit.
        builder.UseSetting("Policy:FeedbackEventsLinger", "00:00:00");
        // Tests simulate time with the fake clock; the database's clock (production's default) is tested by DatabaseClockTests.
        builder.UseSetting("Policy:WindowClock", "Process");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
        });
    }

    public HttpClient ClientWithKey(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }
        return client;
    }

    public HttpClient Storefront() => ClientWithKey(TestKeys.Storefront);

    public HttpClient Admin() => ClientWithKey(TestKeys.Admin);

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)Convert.ChangeType(result, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

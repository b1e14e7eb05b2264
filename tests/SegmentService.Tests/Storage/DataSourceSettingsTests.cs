using Npgsql;
using SegmentService.Api.Storage;

namespace SegmentService.Tests.Storage;

public sealed class DataSourceSettingsTests
{
    private static readonly DatabaseOptions Options = new() { ConnectTimeout = TimeSpan.FromSeconds(3), MaxAutoPrepare = 64 };

    private static NpgsqlConnectionStringBuilder Apply(string connectionString, bool sessionLocks = false)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        StorageServices.ApplySettings(settings, Options, sessionLocks);
        return settings;
    }

    [Fact]
    public void UnsetSettingsTakeTheServiceDefaults()
    {
        var settings = Apply("Host=db;Username=app");

        Assert.Equal(3, settings.Timeout);
        Assert.Equal(64, settings.MaxAutoPrepare);
        Assert.True(settings.NoResetOnClose);
    }

    [Fact]
    public void SettingsTheConnectionStringGivesAreKeptWhateverTheirSpelling()
    {
        var settings = Apply("Host=db;Username=app;TIMEOUT=20;maxautoprepare=0;No Reset On Close=false");

        Assert.Equal(20, settings.Timeout);
        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.False(settings.NoResetOnClose);
    }

    [Fact]
    public void TheSessionLockSourceAlwaysResetsItsConnections()
    {
        var settings = Apply("Host=db;Username=app;No Reset On Close=true", sessionLocks: true);

        Assert.False(settings.NoResetOnClose);
        Assert.Equal(4, settings.MaxPoolSize);
    }
}

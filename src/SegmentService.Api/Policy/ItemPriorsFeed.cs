using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Events;
using SegmentService.Api.Segmentation;

namespace SegmentService.Api.Policy;

/// <summary>
/// Feeds <see cref="ItemPriors"/>: built from recent events at start, then from each commit, and rebuilt
/// whenever a segmentation run comes into force, since priors are per segment and membership just changed.
/// </summary>
public sealed class ItemPriorsFeed(
    ItemPriors priors,
    ISegmentDirectory directory,
    NpgsqlDataSource dataSource,
    PolicyReadiness readiness,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider,
    ILogger<ItemPriorsFeed> logger) : IEventsCommittedObserver, ISegmentationListener
{
    /// <summary>Events older than this many half-lives weigh under 0.1% and are not read.</summary>
    private const int HalfLivesRead = 10;

    public ValueTask OnEventsCommittedAsync(IReadOnlyList<ValidEvent> stored, CancellationToken cancellationToken)
    {
        foreach (var e in stored)
        {
            priors.Add(directory.Resolve(e.UserId).SegmentKey, e.Type, e.ItemId, e.OccurredAt);
        }
        return ValueTask.CompletedTask;
    }

    public Task LoadAsync(CancellationToken cancellationToken) => priors.RebuildAsync(ReadRecentEvents(cancellationToken));

    public async Task OnRunCommittedAsync(SegmentationRunCommitted run, CancellationToken cancellationToken)
    {
        // Start-up loads the priors itself; waiting keeps the two from reading the events table at once.
        await readiness.WaitAsync(cancellationToken);
        await LoadAsync(cancellationToken);
        logger.LogInformation("Item priors rebuilt for the segments of run {RunId}", run.RunId);
    }

    private async IAsyncEnumerable<(string, EventType, string, DateTimeOffset)> ReadRecentEvents(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var since = timeProvider.GetUtcNow() - options.Value.PriorHalfLife * HalfLivesRead;
        await using var command = dataSource.CreateCommand(
            "SELECT user_id, type, item_id, occurred_at FROM events WHERE occurred_at > $1");
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = since.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var occurred = new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero);
            yield return (directory.Resolve(reader.GetString(0)).SegmentKey, (EventType)reader.GetInt16(1), reader.GetString(2), occurred);
        }
    }
}

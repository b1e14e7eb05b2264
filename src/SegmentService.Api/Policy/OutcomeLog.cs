using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Policy;

/// <summary>A reward to log: for one shown item of one logged impression.</summary>
public sealed record FeedbackRecord(Impression Impression, string ItemId, FeedbackType Type, double Reward, decimal? Amount);

/// <summary>Told, once per group commit, which feedback rows were new (Feedback records the matching behaviour events).</summary>
public interface IFeedbackCommittedObserver
{
    Task OnFeedbackCommittedAsync(IReadOnlyList<FeedbackRecord> applied, CancellationToken cancellationToken);
}

/// <summary>
/// The one owner of writing outcomes. Feedback requests queue their row and wait; one loop writes everything queued
/// with a single INSERT … ON CONFLICT DO NOTHING (group commit), then counts each new reward as pending in the table
/// and tells the observers. Nothing is locked across replicas: the sweeper folds the log in impression order, so the
/// order rows commit in does not matter.
/// </summary>
public sealed class OutcomeLog(
    ImpressionLog impressions,
    IEnumerable<IFeedbackCommittedObserver> observers,
    NpgsqlDataSource dataSource,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider,
    ILogger<OutcomeLog> logger)
{
    private const string InsertSql = """
        INSERT INTO feedback (recommendation_id, item_id, type, user_id, segment_key, reward, amount, created_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[], $5::text[], $6::float8[], $7::numeric[], $8::timestamptz[])
        ON CONFLICT (recommendation_id, item_id, type) DO NOTHING
        RETURNING recommendation_id, item_id, type
        """;

    private sealed record Pending(FeedbackRecord Record, TaskCompletionSource<bool> Done);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();

    // Observers (the matching behaviour events) run behind the writer, so a request is answered once its row commits.
    private readonly Channel<IReadOnlyList<FeedbackRecord>> _committed =
        Channel.CreateUnbounded<IReadOnlyList<FeedbackRecord>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IFeedbackCommittedObserver[] _observers = [.. observers];
    private int _unnotified;

    /// <summary>
    /// True when every committed row has been through the observers (its behaviour event written). The events behind a
    /// feedback answer are eventually consistent; tests and shutdown wait on this.
    /// </summary>
    public bool ObserversIdle => Volatile.Read(ref _unnotified) == 0;

    /// <summary>Logs the reward once per (recommendation, item, type); true when it was new, false for a repeat. Returns after the commit.</summary>
    public Task<bool> RecordAsync(FeedbackRecord record, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new Pending(record, done)))
        {
            throw new InvalidOperationException("The outcome log is stopped.");
        }
        // The write goes ahead even if the caller gives up: a committed row is applied either way.
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes queued rows in groups until stopped; observers are told in a second loop.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        // Several writers, so one group's commit overlaps the next group's insert; rows of different groups are
        // independent (the unique key settles a race between two copies of one row).
        var notify = NotifyLoopAsync();
        await Task.WhenAll(Enumerable.Range(0, options.Value.FeedbackWriters).Select(_ => WriteLoopAsync(stoppingToken)));
        _committed.Writer.TryComplete();
        await notify;
    }

    private async Task NotifyLoopAsync()
    {
        // The observers' cost is mostly per call (one events statement, one neighbour publish for every item the
        // clicks touched), so they wait Policy:FeedbackEventsLinger for more commits and take them in one call: under
        // load the calls grow instead of multiplying.
        var linger = options.Value.FeedbackEventsLinger;
        var most = options.Value.FeedbackBatchSize * 5;
        while (await _committed.Reader.WaitToReadAsync())
        {
            if (linger > TimeSpan.Zero)
            {
                await Task.Delay(linger, timeProvider);
            }
            var rows = new List<FeedbackRecord>();
            var groups = 0;
            while (rows.Count < most && _committed.Reader.TryRead(out var group))
            {
                rows.AddRange(group);
                groups++;
            }
            try
            {
                await NotifyAsync(rows);
            }
            finally
            {
                Interlocked.Add(ref _unnotified, -groups);
            }
        }
    }

    private async Task NotifyAsync(List<FeedbackRecord> rows)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnFeedbackCommittedAsync(rows, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The rewards are committed and counted; what an observer failed to do is logged, not undone.
                logger.LogError(ex, "An observer of {Count} committed feedback rows failed", rows.Count);
            }
        }
    }

    private async Task WriteLoopAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < options.Value.FeedbackBatchSize && _queue.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }
                await WriteBatchAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        _queue.Writer.TryComplete();
        batch.Clear();
        while (_queue.Reader.TryRead(out var left))
        {
            batch.Add(left);
        }
        if (batch.Count > 0)
        {
            await WriteBatchAsync(batch);
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        HashSet<(string, string, FeedbackType)> applied;
        try
        {
            applied = await InsertAsync(batch);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Writing {Count} feedback rows failed", batch.Count);
            foreach (var p in batch)
            {
                p.Done.TrySetException(ex);
            }
            return;
        }
        var isNew = new bool[batch.Count];
        var newRows = new List<FeedbackRecord>(applied.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var r = batch[i].Record;
            if (applied.Remove((r.Impression.RecommendationId, r.ItemId, r.Type)))
            {
                isNew[i] = true;
                impressions.AddReward(r.Impression, r.ItemId, r.Reward);
                newRows.Add(r);
            }
        }
        if (newRows.Count > 0)
        {
            Interlocked.Increment(ref _unnotified);
            if (!_committed.Writer.TryWrite(newRows))
            {
                Interlocked.Decrement(ref _unnotified);
            }
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(isNew[i]);
        }
    }

    private async Task<HashSet<(string, string, FeedbackType)>> InsertAsync(List<Pending> batch)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var command = dataSource.CreateCommand(InsertSql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(p => p.Record.Impression.RecommendationId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(p => p.Record.ItemId)] });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. batch.Select(p => (short)p.Record.Type)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(p => p.Record.Impression.UserId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(p => p.Record.Impression.SegmentKey)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. batch.Select(p => p.Record.Reward)] });
        command.Parameters.Add(new NpgsqlParameter<decimal?[]> { TypedValue = [.. batch.Select(p => p.Record.Amount)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>
        {
            TypedValue = [.. batch.Select(_ => now)],
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        });
        var applied = new HashSet<(string, string, FeedbackType)>();
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
        {
            applied.Add((reader.GetString(0), reader.GetString(1), (FeedbackType)reader.GetInt16(2)));
        }
        return applied;
    }
}

/// <summary>Runs the group-commit loop of <see cref="OutcomeLog"/>.</summary>
public sealed class OutcomeLogWriter(OutcomeLog log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => log.RunAsync(stoppingToken);
}

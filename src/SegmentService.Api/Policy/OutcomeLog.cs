using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Policy;

/// <summary>A reward to log: for one shown item of one logged impression.</summary>
public sealed record FeedbackRecord(Impression Impression, string ItemId, FeedbackType Type, double Reward, decimal? Amount);

/// <summary>What logging one reward did.</summary>
public enum RecordOutcome
{
    Applied,
    Repeat,

    /// <summary>More than Policy:MaxQueuedFeedback rows were waiting for a commit: not logged, the caller answers 503.</summary>
    Overloaded,

    /// <summary>The impression's window had closed by the database's clock (or the replica's, with Policy:WindowClock Process) when the row was written.</summary>
    Late,
}

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
    PolicyClock clock,
    TimeProvider timeProvider,
    IEnumerable<IFeedbackCommittedObserver> observers,
    NpgsqlDataSource dataSource,
    IOptions<PolicyOptions> options,
    ILogger<OutcomeLog> logger)
{
    // The window is judged here, in the write ($8 null: the database's clock), so every replica agrees with the
    // sweeper; rows refused as late come back with applied = false. $11: how long each row waited in this replica
    // (a monotonic duration, so no clock skew), capped at half the settle delay, so a click is judged when it arrived
    // and its row still commits before any sweeper settles past the impression.
    private const string InsertSql = """
        WITH input AS MATERIALIZED (
            SELECT r, i, t, u, s, w, a, coalesce($8::timestamptz, clock_timestamp()) AS now, shown_at, waited
            FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[], $5::text[], $6::float8[], $7::numeric[], $9::timestamptz[], $11::interval[])
                AS x(r, i, t, u, s, w, a, shown_at, waited)),
        applied AS (
            INSERT INTO feedback (recommendation_id, item_id, type, user_id, segment_key, reward, amount, created_at)
            SELECT r, i, t, u, s, w, a, now FROM input WHERE now - waited < shown_at + $10
            ON CONFLICT (recommendation_id, item_id, type) DO NOTHING
            RETURNING recommendation_id, item_id, type)
        SELECT recommendation_id, item_id, type, true FROM applied
        UNION ALL
        SELECT r, i, t, false FROM input WHERE now - waited >= shown_at + $10
        """;

    private sealed record Pending(FeedbackRecord Record, TaskCompletionSource<RecordOutcome> Done, long QueuedAt);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();

    // Observers (the matching behaviour events) run behind the writer, so a request is answered once its row commits.
    private readonly Channel<IReadOnlyList<FeedbackRecord>> _committed =
        Channel.CreateUnbounded<IReadOnlyList<FeedbackRecord>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IFeedbackCommittedObserver[] _observers = [.. observers];
    private int _unnotified;
    private int _queued;
    private int _unnotifiedRows;
    private long _eventsShed;

    /// <summary>Feedback rows waiting for their group commit (bounded by Policy:MaxQueuedFeedback).</summary>
    public int QueuedCount => Volatile.Read(ref _queued);

    /// <summary>Committed rows whose behaviour events are still to be written (bounded by Policy:MaxQueuedFeedbackEvents).</summary>
    public int UnnotifiedCount => Volatile.Read(ref _unnotifiedRows);

    /// <summary>Committed rows whose behaviour events were not written because that queue was full.</summary>
    public long EventsShedCount => Interlocked.Read(ref _eventsShed);

    /// <summary>
    /// True when every committed row has been through the observers (its behaviour event written). The events behind a
    /// feedback answer are eventually consistent; tests and shutdown wait on this.
    /// </summary>
    public bool ObserversIdle => Volatile.Read(ref _unnotified) == 0;

    /// <summary>Logs the reward once per (recommendation, item, type) if its window is still open. Returns after the commit.</summary>
    public Task<RecordOutcome> RecordAsync(FeedbackRecord record, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _queued) > options.Value.MaxQueuedFeedback)
        {
            Interlocked.Decrement(ref _queued);
            return Task.FromResult(RecordOutcome.Overloaded);
        }
        var done = new TaskCompletionSource<RecordOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new Pending(record, done, timeProvider.GetTimestamp())))
        {
            Interlocked.Decrement(ref _queued);
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
        // load the calls grow instead of multiplying. A full call's worth already waiting is not delayed: the linger
        // would otherwise cap the rate at one call per linger and a backlog would only grow.
        var linger = options.Value.FeedbackEventsLinger;
        var most = options.Value.FeedbackBatchSize * 5;
        while (await _committed.Reader.WaitToReadAsync())
        {
            if (linger > TimeSpan.Zero && Volatile.Read(ref _unnotifiedRows) < most)
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
                Interlocked.Add(ref _unnotifiedRows, -rows.Count);
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
                Interlocked.Add(ref _queued, -batch.Count);
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
            Interlocked.Add(ref _queued, -batch.Count);
            await WriteBatchAsync(batch);
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        HashSet<(string, string, FeedbackType)> applied;
        HashSet<(string, string, FeedbackType)>? late;
        try
        {
            (applied, late) = await InsertAsync(batch);
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
        var outcome = new RecordOutcome[batch.Count];
        var newRows = new List<FeedbackRecord>(applied.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var r = batch[i].Record;
            var key = (r.Impression.RecommendationId, r.ItemId, r.Type);
            if (late is not null && late.Contains(key))
            {
                outcome[i] = RecordOutcome.Late;
            }
            else if (applied.Remove(key))
            {
                outcome[i] = RecordOutcome.Applied;
                impressions.AddReward(r.Impression, r.ItemId, r.Reward);
                newRows.Add(r);
            }
            else
            {
                outcome[i] = RecordOutcome.Repeat;
            }
        }
        // Past its bound the behaviour events of this group are shed (counted): the rewards are committed either way.
        if (newRows.Count > 0 && Interlocked.Add(ref _unnotifiedRows, newRows.Count) > options.Value.MaxQueuedFeedbackEvents)
        {
            Interlocked.Add(ref _unnotifiedRows, -newRows.Count);
            Interlocked.Add(ref _eventsShed, newRows.Count);
        }
        else if (newRows.Count > 0)
        {
            Interlocked.Increment(ref _unnotified);
            if (!_committed.Writer.TryWrite(newRows))
            {
                Interlocked.Add(ref _unnotifiedRows, -newRows.Count);
                Interlocked.Decrement(ref _unnotified);
            }
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(outcome[i]);
        }
    }

    private async Task<(HashSet<(string, string, FeedbackType)> Applied, HashSet<(string, string, FeedbackType)>? Late)> InsertAsync(
        List<Pending> batch)
    {
        // One pass over the batch fills every column (the group commit runs hundreds of times a second).
        var count = batch.Count;
        var recommendations = new string[count];
        var items = new string[count];
        var types = new short[count];
        var users = new string[count];
        var segments = new string[count];
        var rewards = new double[count];
        var amounts = new decimal?[count];
        var shownAt = new DateTime[count];
        var waited = new TimeSpan[count];
        var maxCredit = options.Value.SettleDelay / 2;
        for (var i = 0; i < count; i++)
        {
            var p = batch[i];
            var r = p.Record;
            recommendations[i] = r.Impression.RecommendationId;
            items[i] = r.ItemId;
            types[i] = (short)r.Type;
            users[i] = r.Impression.UserId;
            segments[i] = r.Impression.SegmentKey;
            rewards[i] = r.Reward;
            amounts[i] = r.Amount;
            shownAt[i] = r.Impression.CreatedAt.UtcDateTime;
            waited[i] = TimeSpan.FromTicks(Math.Min(timeProvider.GetElapsedTime(p.QueuedAt).Ticks, maxCredit.Ticks));
        }
        await using var command = dataSource.CreateCommand(InsertSql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = recommendations });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = items });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = types });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = users });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = segments });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = rewards });
        command.Parameters.Add(new NpgsqlParameter<decimal?[]> { TypedValue = amounts });
        command.Parameters.Add(new NpgsqlParameter<DateTime?> { TypedValue = clock.ForWrite(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>
        {
            TypedValue = shownAt,
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = options.Value.RewardWindow });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan[]> { TypedValue = waited });
        // Late rows are rare (a click at the window's edge): their set is made only when one comes back.
        var applied = new HashSet<(string, string, FeedbackType)>(count);
        HashSet<(string, string, FeedbackType)>? late = null;
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
        {
            (reader.GetBoolean(3) ? applied : late ??= []).Add((reader.GetString(0), reader.GetString(1), (FeedbackType)reader.GetInt16(2)));
        }
        return (applied, late);
    }
}

/// <summary>Runs the group-commit loop of <see cref="OutcomeLog"/>.</summary>
public sealed class OutcomeLogWriter(OutcomeLog log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => log.RunAsync(stoppingToken);
}

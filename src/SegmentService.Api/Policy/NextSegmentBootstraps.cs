using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Feedback;

namespace SegmentService.Api.Policy;

/// <summary>
/// The γ > 0 half of Q-learning with s' = the user's segment at their NEXT recommendation.
/// A reward row applies η (r − Q[s,a]) at feedback time and leaves a pending bootstrap (user, s, a) here;
/// the user's next /recommend, having resolved s', reads max_a' Q[s',a'] and queues the bootstrap; a background
/// loop logs it as a <see cref="FeedbackType.Bootstrap"/> row in the feedback table and then applies
/// Q[s,a] += η·γ·max under segment s's gate (insert, then apply, like every other row), so memory and the log
/// agree and a replay in seq order reproduces the table. Nothing here runs when γ = 0.
/// A pending bootstrap whose user makes no request within <c>Policy:BootstrapWindow</c> of the reward is dropped
/// (that cell keeps its γ = 0 update); pending ones are in memory only, so a restart drops them too.
/// </summary>
public sealed class NextSegmentBootstraps(
    QTable table,
    ItemPriors priors,
    IOptions<PolicyOptions> options,
    NpgsqlDataSource dataSource,
    TimeProvider timeProvider,
    ILogger<NextSegmentBootstraps> logger) : IDisposable
{
    private const string InsertSql = """
        INSERT INTO feedback (recommendation_id, item_id, type, user_id, segment_key, reward, initial_q, target,
                              learning_rate, next_segment_key, amount, created_at, bootstrap_of)
        SELECT f.recommendation_id, f.item_id, 4, f.user_id, $1, 0, f.initial_q, f.target, $2, f.next_segment_key, NULL, $3,
               f.bootstrap_of
        FROM unnest($4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::text[], $10::bigint[]) WITH ORDINALITY
             AS f(recommendation_id, item_id, user_id, initial_q, target, next_segment_key, bootstrap_of, ord)
        ORDER BY f.ord
        ON CONFLICT (bootstrap_of) DO NOTHING
        RETURNING seq, item_id, initial_q, target
        """;

    /// <summary>A reward row waiting for its user's next recommendation.</summary>
    private readonly record struct Pending(long Seq, string RecommendationId, string SegmentKey, string ItemId, DateTimeOffset At);

    /// <summary>A bootstrap ready to log: <see cref="Target"/> = γ·max_a' Q[s',a'] read at the next recommendation.</summary>
    private readonly record struct Ready(Pending Of, string UserId, string NextSegmentKey, double Target);

    private readonly PolicyOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, List<Pending>> _pending = new(StringComparer.Ordinal);
    private readonly Channel<Ready> _queue = Channel.CreateUnbounded<Ready>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _writing = new(1, 1);
    private int _queued;

    public bool Enabled => _options.Discount > 0;

    /// <summary>Users with pending bootstraps.</summary>
    public int PendingUsers => _pending.Count;

    /// <summary>Bootstraps queued but not yet logged and applied.</summary>
    public int Queued => Volatile.Read(ref _queued);

    public void Dispose() => _writing.Dispose();

    /// <summary>Called by the learner for each reward row it applied (under segment <paramref name="segmentKey"/>'s gate).</summary>
    public void Register(string userId, string segmentKey, string recommendationId, string itemId, long seq)
    {
        if (!Enabled)
        {
            return;
        }
        var pending = new Pending(seq, recommendationId, segmentKey, itemId, timeProvider.GetUtcNow());
        while (true)
        {
            var list = _pending.GetOrAdd(userId, static _ => []);
            lock (list)
            {
                // OnRecommend or Prune may have taken this list out between the lookup and the lock: then use the new one.
                if (_pending.TryGetValue(userId, out var current) && ReferenceEquals(current, list))
                {
                    list.Add(pending);
                    return;
                }
            }
        }
    }

    /// <summary>
    /// On the request path of /recommend, after s' is resolved: no I/O, one dictionary lookup when nothing is pending,
    /// otherwise one read of row s' (its own lock only) and a queue write.
    /// </summary>
    public void OnRecommend(string userId, string nextSegmentKey)
    {
        if (!Enabled || !_pending.TryRemove(userId, out var list))
        {
            return;
        }
        Pending[] taken;
        lock (list)
        {
            taken = [.. list];
            list.Clear();
        }
        var oldest = timeProvider.GetUtcNow() - _options.BootstrapWindow;
        var target = _options.Discount * (table.Row(nextSegmentKey).MaxValue() ?? _options.DefaultPrior);
        foreach (var p in taken)
        {
            if (p.At > oldest)
            {
                Interlocked.Increment(ref _queued);
                _queue.Writer.TryWrite(new Ready(p, userId, nextSegmentKey, target));
            }
        }
    }

    /// <summary>Drops pending bootstraps older than the bootstrap window; returns how many.</summary>
    public int Prune()
    {
        var oldest = timeProvider.GetUtcNow() - _options.BootstrapWindow;
        var dropped = 0;
        foreach (var (user, list) in _pending)
        {
            lock (list)
            {
                dropped += list.RemoveAll(p => p.At <= oldest);
                if (list.Count == 0)
                {
                    _pending.TryRemove(new KeyValuePair<string, List<Pending>>(user, list));
                }
            }
        }
        return dropped;
    }

    /// <summary>Writes queued bootstraps until stopped; then writes what is left.</summary>
    public Task RunAsync(CancellationToken stoppingToken) =>
        Hosting.QueueDrain.RunAsync(_queue.Reader, FlushAsync, logger, "next-segment bootstraps", stoppingToken);

    /// <summary>Logs and applies everything queued so far, segment by segment under each one's gate.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            var batch = new List<Ready>();
            while (_queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            var segments = batch.GroupBy(b => b.Of.SegmentKey, StringComparer.Ordinal).ToList();
            var written = 0;
            try
            {
                for (; written < segments.Count; written++)
                {
                    await WriteAsync(segments[written].Key, [.. segments[written]], cancellationToken);
                    Interlocked.Add(ref _queued, -segments[written].Count());
                }
            }
            catch
            {
                // A segment's rows commit (and apply) together: put back the segments not written, for the caller to retry.
                foreach (var ready in segments.Skip(written).SelectMany(g => g))
                {
                    _queue.Writer.TryWrite(ready);
                }
                throw;
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task WriteAsync(string segmentKey, IReadOnlyList<Ready> rows, CancellationToken cancellationToken)
    {
        var row = table.Row(segmentKey);
        await row.Gate.WaitAsync(cancellationToken);
        try
        {
            // As in the learner: under the segment's advisory lock, apply other replicas' rows before reading starting values.
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await FeedbackLog.LockAndCatchUpAsync(connection, transaction, segmentKey, row, cancellationToken);
            var initial = new double[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                var item = rows[i].Of.ItemId;
                initial[i] = row.TryGet(item, out var entry) ? entry.Value : priors.Prior(segmentKey, item);
            }
            await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = segmentKey });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = _options.LearningRate });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = timeProvider.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Of.RecommendationId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Of.ItemId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.UserId)] });
            command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = initial });
            command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Target)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.NextSegmentKey)] });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Of.Seq)] });

            var applied = new List<(long Seq, string Item, double Initial, double Target)>(rows.Count);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add((reader.GetInt64(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3)));
                }
            }
            await transaction.CommitAsync(cancellationToken);
            // Committed: apply whatever the token says, in seq order, or memory would lag the log.
            foreach (var (seq, item, init, target) in applied.OrderBy(a => a.Seq))
            {
                row.ApplyBootstrap(item, init, target, _options.LearningRate, seq);
            }
        }
        finally
        {
            row.Gate.Release();
        }
    }
}

/// <summary>Runs the bootstrap writer; on shutdown writes what is left.</summary>
public sealed class NextSegmentBootstrapFlusher(NextSegmentBootstraps bootstraps, ILogger<NextSegmentBootstrapFlusher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        bootstraps.Enabled ? bootstraps.RunAsync(stoppingToken) : Task.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (bootstraps.Queued == 0)
        {
            return;
        }
        try
        {
            await bootstraps.FlushAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Writing the last {Count} next-segment bootstraps on shutdown failed", bootstraps.Queued);
        }
    }
}

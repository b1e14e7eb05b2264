using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Policy;

/// <summary>
/// The impression half of the outcome log. /recommend only enqueues; a background loop writes whatever has queued with
/// one binary COPY. An impression stays in memory while its window is open (bounded by Policy:MaxOpenImpressions), so
/// feedback finds it without a query and this replica counts it, and the rewards it receives, as pending in the
/// Q-table until the sweeper settles it.
/// </summary>
public sealed class ImpressionLog(
    QTable table,
    PolicyClock clock,
    NpgsqlDataSource dataSource,
    IOptions<PolicyOptions> options,
    ILogger<ImpressionLog> logger) : IDisposable
{
    private const string CopySql = """
        COPY impressions (recommendation_id, user_id, segment_key, run_id, policy_version, category,
                          item_ids, scores, propensities, explored, priors, sources, excluded, created_at, blend_features)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string SelectSql = """
        SELECT recommendation_id, user_id, segment_key, run_id, policy_version, category, item_ids, scores,
               propensities, explored, priors, sources, excluded, created_at, blend_features
        FROM impressions
        """;

    /// <summary>An impression in memory, with what this replica added for it to the pending counts.</summary>
    private sealed class Open(Impression impression, bool countedHere)
    {
        public Impression Impression { get; } = impression;
        public bool CountedHere { get; } = countedHere;
        public double[] RewardsHere { get; } = new double[impression.ItemIds.Length];
        public volatile bool Written;
        public bool Released;
    }

    private readonly PolicyOptions _options = options.Value;
    private readonly Channel<Open> _queue = Channel.CreateUnbounded<Open>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Open> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Open> _age = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private int _buffered;
    // ConcurrentDictionary.Count takes every bucket lock: the request path reads this instead.
    private int _openCount;
    private long _shed;
    private long _late;

    /// <summary>Impressions waiting to be written.</summary>
    public int PendingCount => Volatile.Read(ref _buffered);

    /// <summary>Impressions held in memory (buffered or open).</summary>
    public int OpenCount => Volatile.Read(ref _openCount);

    /// <summary>Impressions not logged because the buffer was full.</summary>
    public long ShedCount => Interlocked.Read(ref _shed);

    public void Dispose() => _writing.Dispose();

    /// <summary>Queues the impression and counts its items as pending; false (and nothing logged) when the buffer is full.</summary>
    public bool Append(Impression impression)
    {
        if (Interlocked.Increment(ref _buffered) > _options.MaxBufferedImpressions)
        {
            Interlocked.Decrement(ref _buffered);
            Interlocked.Increment(ref _shed);
            return false;
        }
        var open = new Open(impression, countedHere: true);
        var row = table.Row(impression.SegmentKey);
        QRow? sources = null;
        for (var i = 0; i < impression.ItemIds.Length; i++)
        {
            row.AddPending(impression.ItemIds[i], 1, 0);
            if (BlendedSource(impression, i) is { } source)
            {
                sources ??= table.Row(QTable.SourcesKey(impression.SegmentKey));
                sources.AddPending(source, 1, 0);
            }
            var features = BlendFeaturesOf(impression, i);
            if (!features.IsEmpty)
            {
                sources ??= table.Row(QTable.SourcesKey(impression.SegmentKey));
                sources.AddBlendPending(features, 1, 0);
            }
        }
        if (_open.TryAdd(impression.RecommendationId, open))
        {
            Interlocked.Increment(ref _openCount);
        }
        else
        {
            _open[impression.RecommendationId] = open;
        }
        _age.Enqueue(open);
        _queue.Writer.TryWrite(open);
        EvictOverflow();
        return true;
    }

    /// <summary>The impression, from memory or the database; null when unknown.</summary>
    public async Task<Impression?> FindAsync(string recommendationId, CancellationToken cancellationToken)
    {
        if (_open.TryGetValue(recommendationId, out var open))
        {
            return open.Impression;
        }
        await using var command = dataSource.CreateCommand(SelectSql + " WHERE recommendation_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recommendationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            return Read(reader);
        }
        // An impression leaves memory only after it is written, so a miss above is in the table by now.
        return _open.TryGetValue(recommendationId, out open) ? open.Impression : null;
    }

    /// <summary>
    /// Returns once the impression is in the table (or dropped as too late), writing the buffer now if it is still
    /// queued: an outcome is acknowledged only with its impression durable, so a crash cannot keep the one without the other.
    /// </summary>
    public async Task EnsureWrittenAsync(string recommendationId, CancellationToken cancellationToken)
    {
        if (_open.TryGetValue(recommendationId, out var open) && !open.Written)
        {
            // Uncancelled, as the writer loop's flushes: a caller giving up must not abort a COPY others wait for.
            await FlushAsync(CancellationToken.None).WaitAsync(cancellationToken);
        }
    }

    /// <summary>Counts a committed reward as pending for its cell (the sweeper settles it with the impression).</summary>
    public void AddReward(Impression impression, string itemId, double reward)
    {
        var index = Array.IndexOf(impression.ItemIds, itemId);
        if (index < 0)
        {
            return;
        }
        // Almost always still open here: an entry (and its rewards array) is made only for one that left memory.
        if (!_open.TryGetValue(impression.RecommendationId, out var open))
        {
            var candidate = new Open(impression, countedHere: false) { Written = true };
            open = _open.GetOrAdd(impression.RecommendationId, candidate);
            if (ReferenceEquals(open, candidate))
            {
                Interlocked.Increment(ref _openCount);
                _age.Enqueue(open);
            }
        }
        lock (open)
        {
            if (open.Released)
            {
                return;
            }
            open.RewardsHere[index] += reward;
            // Under the entry's lock, so a concurrent release subtracts exactly what was added.
            table.Row(impression.SegmentKey).AddPending(itemId, 0, reward);
            if (BlendedSource(impression, index) is { } source)
            {
                table.Row(QTable.SourcesKey(impression.SegmentKey)).AddPending(source, 0, reward);
            }
            var features = BlendFeaturesOf(impression, index);
            if (!features.IsEmpty)
            {
                table.Row(QTable.SourcesKey(impression.SegmentKey)).AddBlendPending(features, 0, reward);
            }
        }
    }

    /// <summary>The sweeper settled this impression: its pending counts leave the table (the settled values replace them).</summary>
    public void Settled(string recommendationId)
    {
        if (_open.TryRemove(recommendationId, out var open))
        {
            Interlocked.Decrement(ref _openCount);
            Release(open);
        }
    }

    /// <summary>Drops from memory every written impression created before <paramref name="before"/> (settled or never settled).</summary>
    public void ReleaseBefore(DateTimeOffset before)
    {
        while (_age.TryPeek(out var oldest) && (oldest.Released || (oldest.Written && oldest.Impression.CreatedAt < before)))
        {
            _age.TryDequeue(out _);
            if (!oldest.Released && _open.TryRemove(new KeyValuePair<string, Open>(oldest.Impression.RecommendationId, oldest)))
            {
                Interlocked.Decrement(ref _openCount);
                Release(oldest);
            }
        }
    }

    private void EvictOverflow()
    {
        while (Volatile.Read(ref _openCount) > _options.MaxOpenImpressions && _age.TryPeek(out var oldest) && (oldest.Released || oldest.Written))
        {
            _age.TryDequeue(out _);
            if (!oldest.Released && _open.TryRemove(new KeyValuePair<string, Open>(oldest.Impression.RecommendationId, oldest)))
            {
                Interlocked.Decrement(ref _openCount);
                Release(oldest);
            }
        }
    }

    private void Release(Open open)
    {
        lock (open)
        {
            if (open.Released)
            {
                return;
            }
            open.Released = true;
        }
        var row = table.Row(open.Impression.SegmentKey);
        for (var i = 0; i < open.Impression.ItemIds.Length; i++)
        {
            var impressions = open.CountedHere ? -1 : 0;
            if (impressions != 0 || open.RewardsHere[i] != 0)
            {
                row.AddPending(open.Impression.ItemIds[i], impressions, -open.RewardsHere[i]);
                if (BlendedSource(open.Impression, i) is { } source)
                {
                    table.Row(QTable.SourcesKey(open.Impression.SegmentKey)).AddPending(source, impressions, -open.RewardsHere[i]);
                }
                var features = BlendFeaturesOf(open.Impression, i);
                if (!features.IsEmpty)
                {
                    table.Row(QTable.SourcesKey(open.Impression.SegmentKey)).AddBlendPending(features, impressions, -open.RewardsHere[i]);
                }
            }
        }
    }

    /// <summary>The candidate source of a shown item whose weight the blend learns, if any (its pending counts go there too).</summary>
    private static string? BlendedSource(Impression impression, int index) =>
        index < impression.Sources.Length && PolicyScorer.IsBlendedSource(impression.Sources[index]) ? impression.Sources[index] : null;

    /// <summary>The blend's features of shown item <paramref name="index"/>, empty when the impression has none.</summary>
    internal static ReadOnlySpan<double> BlendFeaturesOf(Impression impression, int index) =>
        BlendFeaturesOf(impression.BlendFeatures, impression.ItemIds.Length, index);

    internal static ReadOnlySpan<double> BlendFeaturesOf(double[]? features, int items, int index)
    {
        var stride = BlendRegression.FeatureCount;
        return features is not null && features.Length == items * stride ? features.AsSpan(index * stride, stride) : [];
    }

    internal static Impression Read(NpgsqlDataReader reader) => new()
    {
        RecommendationId = reader.GetString(0),
        UserId = reader.GetString(1),
        SegmentKey = reader.GetString(2),
        RunId = reader.IsDBNull(3) ? null : reader.GetInt64(3),
        PolicyVersion = reader.GetInt64(4),
        Category = reader.IsDBNull(5) ? null : reader.GetString(5),
        ItemIds = reader.GetFieldValue<string[]>(6),
        Scores = reader.GetFieldValue<double[]>(7),
        Propensities = reader.GetFieldValue<double[]>(8),
        Explored = reader.GetFieldValue<bool[]>(9),
        Priors = reader.GetFieldValue<double[]>(10),
        Sources = reader.GetFieldValue<string[]>(11),
        Excluded = reader.GetFieldValue<string[]>(12),
        CreatedAt = new DateTimeOffset(reader.GetFieldValue<DateTime>(13), TimeSpan.Zero),
        BlendFeatures = reader.IsDBNull(14) ? null : reader.GetFieldValue<double[]>(14),
    };

    /// <summary>Waits for queued impressions and writes them, batch by batch, until stopped; then writes what is left.</summary>
    public Task RunAsync(CancellationToken stoppingToken) =>
        Hosting.QueueDrain.RunAsync(_queue.Reader, FlushAsync, logger, "impressions", stoppingToken);

    /// <summary>Writes everything buffered so far.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            var batch = new List<Open>();
            while (true)
            {
                batch.Clear();
                if (Volatile.Read(ref _buffered) == 0)
                {
                    return;
                }
                // An impression that could no longer be written before every replica settles past it is dropped, so
                // that all replicas (and a replay) settle the same rows. The sweepers' clock judges it.
                var tooLate = await clock.NowAsync(cancellationToken) - _options.RewardWindow - _options.SettleDelay / 2;
                while (batch.Count < 2000 && _queue.Reader.TryRead(out var next))
                {
                    if (next.Impression.CreatedAt < tooLate)
                    {
                        Interlocked.Increment(ref _late);
                        Interlocked.Decrement(ref _buffered);
                        next.Written = true;
                        Settled(next.Impression.RecommendationId);
                        continue;
                    }
                    batch.Add(next);
                }
                if (batch.Count == 0)
                {
                    return;
                }
                try
                {
                    await WriteAsync(batch, cancellationToken);
                }
                catch
                {
                    // Put the batch back (still in memory, so feedback keeps working) and let the caller retry.
                    foreach (var open in batch)
                    {
                        _queue.Writer.TryWrite(open);
                    }
                    throw;
                }
                foreach (var open in batch)
                {
                    open.Written = true;
                }
                Interlocked.Add(ref _buffered, -batch.Count);
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Impressions dropped because they could not be written before their settle time.</summary>
    public long LateCount => Interlocked.Read(ref _late);

    private async Task WriteAsync(List<Open> batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var importer = await connection.BeginBinaryImportAsync(CopySql, cancellationToken);
        // Synchronous writes fill Npgsql's buffer without an await per field; it blocks this background loop only
        // while a full buffer goes to the socket.
        foreach (var open in batch)
        {
            var i = open.Impression;
            importer.StartRow();
            importer.Write(i.RecommendationId, NpgsqlDbType.Text);
            importer.Write(i.UserId, NpgsqlDbType.Text);
            importer.Write(i.SegmentKey, NpgsqlDbType.Text);
            if (i.RunId is { } runId)
            {
                importer.Write(runId, NpgsqlDbType.Bigint);
            }
            else
            {
                importer.WriteNull();
            }
            importer.Write(i.PolicyVersion, NpgsqlDbType.Bigint);
            if (i.Category is { } category)
            {
                importer.Write(category, NpgsqlDbType.Text);
            }
            else
            {
                importer.WriteNull();
            }
            importer.Write(i.ItemIds, NpgsqlDbType.Array | NpgsqlDbType.Text);
            importer.Write(i.Scores, NpgsqlDbType.Array | NpgsqlDbType.Double);
            importer.Write(i.Propensities, NpgsqlDbType.Array | NpgsqlDbType.Double);
            importer.Write(i.Explored, NpgsqlDbType.Array | NpgsqlDbType.Boolean);
            importer.Write(i.Priors, NpgsqlDbType.Array | NpgsqlDbType.Double);
            importer.Write(i.Sources, NpgsqlDbType.Array | NpgsqlDbType.Text);
            importer.Write(i.Excluded, NpgsqlDbType.Array | NpgsqlDbType.Text);
            importer.Write(i.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            if (i.BlendFeatures is { } features)
            {
                importer.Write(features, NpgsqlDbType.Array | NpgsqlDbType.Double);
            }
            else
            {
                importer.WriteNull();
            }
        }
        await importer.CompleteAsync(cancellationToken);
    }
}

/// <summary>Runs the impression writer; on shutdown, and again once the server has stopped taking requests, writes what is left.</summary>
public sealed class ImpressionFlusher(ImpressionLog log, IHostApplicationLifetime lifetime, ILogger<ImpressionFlusher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Kestrel stops after this service, so answers given during its drain are written here.
        lifetime.ApplicationStopped.Register(() => FinalFlush("after the server stopped"));
        return log.RunAsync(stoppingToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        FinalFlush("on shutdown");
    }

    private void FinalFlush(string when)
    {
        if (log.PendingCount == 0)
        {
            return;
        }
        try
        {
            log.FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Writing the last {Count} impressions {When} failed", log.PendingCount, when);
        }
    }
}

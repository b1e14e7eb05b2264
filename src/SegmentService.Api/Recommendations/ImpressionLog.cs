using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SegmentService.Api.Recommendations;

/// <summary>
/// Logs impressions in batches: /recommend only enqueues; a background loop writes whatever has
/// queued with one binary COPY. Until its batch commits, an impression stays findable in memory, so
/// feedback never misses a recommendation that is still in the buffer.
/// </summary>
public sealed class ImpressionLog(NpgsqlDataSource dataSource, IOptions<RecommendOptions> options, ILogger<ImpressionLog> logger) : IDisposable
{
    private const string CopySql = """
        COPY impressions (recommendation_id, user_id, segment_key, run_id, policy_version, category,
                          item_ids, scores, propensities, explored, created_at, settled)
        FROM STDIN (FORMAT BINARY)
        """;

    private readonly Channel<Impression> _queue = Channel.CreateUnbounded<Impression>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Impression> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writing = new(1, 1);

    public int PendingCount => _pending.Count;

    public void Dispose() => _writing.Dispose();

    public void Append(Impression impression)
    {
        _pending[impression.RecommendationId] = impression;
        _queue.Writer.TryWrite(impression);
    }

    /// <summary>The impression, from the buffer or the database; null when unknown.</summary>
    public async Task<Impression?> FindAsync(string recommendationId, CancellationToken cancellationToken)
    {
        if (_pending.TryGetValue(recommendationId, out var buffered))
        {
            return buffered;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT recommendation_id, user_id, segment_key, run_id, policy_version, category, item_ids, scores,
                   propensities, explored, created_at, settled
            FROM impressions WHERE recommendation_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recommendationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            return Read(reader);
        }
        // Removal from the buffer happens after the commit, so a miss above is in the table by now.
        return _pending.GetValueOrDefault(recommendationId);
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
        CreatedAt = new DateTimeOffset(reader.GetFieldValue<DateTime>(10), TimeSpan.Zero),
        Settled = reader.GetBoolean(11),
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
            var batch = new List<Impression>();
            while (true)
            {
                batch.Clear();
                while (batch.Count < options.Value.ImpressionBatchSize && _queue.Reader.TryRead(out var next))
                {
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
                    // Put the batch back (still in _pending, so feedback keeps working) and let the caller retry.
                    foreach (var impression in batch)
                    {
                        _queue.Writer.TryWrite(impression);
                    }
                    throw;
                }
                foreach (var impression in batch)
                {
                    _pending.TryRemove(impression.RecommendationId, out _);
                }
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task WriteAsync(List<Impression> batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var importer = await connection.BeginBinaryImportAsync(CopySql, cancellationToken);
        // Synchronous writes fill Npgsql's buffer without an await per field; it blocks this background loop only
        // while a full buffer goes to the socket.
        foreach (var i in batch)
        {
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
            importer.Write(i.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            importer.Write(false, NpgsqlDbType.Boolean);
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

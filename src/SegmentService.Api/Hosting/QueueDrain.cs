using System.Threading.Channels;

namespace SegmentService.Api.Hosting;

/// <summary>The write-behind loop of an in-memory queue: flush whenever items wait, retry after a failure, stop when told.</summary>
public static class QueueDrain
{
    /// <param name="reader">The queue; the loop only waits on it, <paramref name="flush"/> does the reading.</param>
    /// <param name="flush">Writes everything queued so far; it runs uncancelled so a started write completes.</param>
    /// <param name="logger">Where a failed flush is logged.</param>
    /// <param name="what">What is written, for the error log.</param>
    /// <param name="stoppingToken">Ends the loop; what is still queued is left to the caller's shutdown flush.</param>
    public static async Task RunAsync<T>(
        ChannelReader<T> reader, Func<CancellationToken, Task> flush, ILogger logger, string what, CancellationToken stoppingToken)
    {
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                try
                {
                    await flush(CancellationToken.None);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Writing {What} failed; retrying", what);
                    await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

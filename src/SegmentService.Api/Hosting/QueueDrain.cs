using System.Threading.Channels;

namespace SegmentService.Api.Hosting;

/// <summary>
/// The write-behind loop of an in-memory queue: flush whenever items wait, retry after a failure with exponential
/// back-off (0.5 s doubling to 5 s), stop when told. A run of failures logs twice: when it starts and when it ends.
/// </summary>
public static class QueueDrain
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);

    /// <param name="reader">The queue; the loop only waits on it, <paramref name="flush"/> does the reading.</param>
    /// <param name="flush">Writes everything queued so far; it runs uncancelled so a started write completes.</param>
    /// <param name="logger">Where a failed flush is logged.</param>
    /// <param name="what">What is written, for the error log.</param>
    /// <param name="stoppingToken">Ends the loop; what is still queued is left to the caller's shutdown flush.</param>
    public static async Task RunAsync<T>(
        ChannelReader<T> reader, Func<CancellationToken, Task> flush, ILogger logger, string what, CancellationToken stoppingToken)
    {
        var backOff = TimeSpan.Zero;
        var failures = 0;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                try
                {
                    await flush(CancellationToken.None);
                    if (failures > 0)
                    {
                        logger.LogWarning("Writing {What} works again after {Failures} failed attempts", what, failures);
                    }
                    failures = 0;
                    backOff = TimeSpan.Zero;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (failures++ == 0)
                    {
                        logger.LogError(ex, "Writing {What} failed; retrying with back-off until it works", what);
                    }
                    backOff = backOff == TimeSpan.Zero ? FirstRetry : TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxRetry.Ticks));
                    await Task.Delay(backOff, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

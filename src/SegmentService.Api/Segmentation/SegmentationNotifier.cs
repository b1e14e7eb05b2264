namespace SegmentService.Api.Segmentation;

/// <summary>Puts a run in force on this replica and tells every <see cref="ISegmentationListener"/>.</summary>
public sealed class SegmentationNotifier(SegmentDirectory directory, IServiceProvider services, ILogger<SegmentationNotifier> logger)
{
    // Resolved per call, not injected: a listener (the policy) may itself depend on the directory.
    public async Task ActivateAsync(RunState state, SegmentationRunCommitted committed, CancellationToken cancellationToken)
    {
        if (directory.Current != state)
        {
            directory.Activate(state);
        }
        foreach (var listener in services.GetServices<ISegmentationListener>())
        {
            try
            {
                await listener.OnRunCommittedAsync(committed, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Segmentation listener {Listener} failed on run {RunId}", listener.GetType().Name, committed.RunId);
            }
        }
    }
}

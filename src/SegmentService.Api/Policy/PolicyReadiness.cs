namespace SegmentService.Api.Policy;

/// <summary>Completes once the policy's in-memory state (Q-table, priors, catalogue, purchases) is loaded.</summary>
public sealed class PolicyReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    public Task WaitAsync(CancellationToken cancellationToken) =>
        IsReady ? Task.CompletedTask : _ready.Task.WaitAsync(cancellationToken);

    internal void MarkReady() => _ready.TrySetResult();
}

namespace SegmentService.Api.Events;

/// <summary>
/// Told about events right after they are committed, before the request that stored them is answered,
/// so what they change (live segment, item priors) shows on the caller's next request.
/// Only newly stored events are passed: a duplicate is never seen twice.
/// </summary>
public interface IEventsCommittedObserver
{
    ValueTask OnEventsCommittedAsync(IReadOnlyList<ValidEvent> stored, CancellationToken cancellationToken);
}

namespace SegmentService.Api.Catalog;

/// <summary>Told about items right after an upsert commits, so in-memory copies of the catalogue follow at once.</summary>
public interface IItemsChangedObserver
{
    ValueTask OnItemsChangedAsync(IReadOnlyCollection<ValidItem> items, CancellationToken cancellationToken);
}

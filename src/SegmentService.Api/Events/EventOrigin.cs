namespace SegmentService.Api.Events;

/// <summary>Who vouches for an event: the storefront's server (or the service itself), or a browser holding the public key.</summary>
public enum EventOrigin
{
    /// <summary>Storefront or admin key, or feedback on a recommendation the service issued: the event trains.</summary>
    Trusted,

    /// <summary>A frontend key: stored in the frontend's id namespace, never trains profiles, priors or purchases.</summary>
    Frontend,
}

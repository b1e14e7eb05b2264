namespace SegmentService.Api.Hosting;

public static class EndpointConventions
{
    /// <summary>Documents the problem answers of an endpoint that reads a JSON body.</summary>
    public static RouteHandlerBuilder ProducesJsonBodyErrors(this RouteHandlerBuilder builder) =>
        builder.ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}

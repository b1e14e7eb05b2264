using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SegmentService.Api.Validation;

/// <summary>The outcome of reading a JSON request body: the parsed document, or the problem to answer with.</summary>
public readonly record struct JsonBodyResult(JsonDocument? Document, ProblemHttpResult? Problem);

public static class JsonBody
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    /// <summary>
    /// Reads the body as JSON. A wrong content type answers 415 and malformed JSON 400, both as problem+json;
    /// a body over the size limit throws <see cref="BadHttpRequestException"/> (413), which the exception handler answers.
    /// </summary>
    public static async Task<JsonBodyResult> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return new(null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type",
                detail: $"The body must be JSON sent as 'application/json' (got '{request.ContentType ?? "none"}')."));
        }
        try
        {
            var document = await JsonDocument.ParseAsync(request.Body, DocumentOptions, cancellationToken);
            return new(document, null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : "";
            return new(null, Problems.Validation("body", $"is not valid JSON{where}.", "The request body is not valid JSON"));
        }
    }

    /// <summary>Finds the array <paramref name="name"/> in a body object and checks its length.</summary>
    public static ProblemHttpResult? GetArray(JsonDocument document, string name, int maxItems, out JsonElement array)
    {
        array = default;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return Problems.Validation("body", $"must be a JSON object with an '{name}' array (got {JsonFields.Describe(document.RootElement.ValueKind)}).");
        }
        if (!JsonFields.TryGet(document.RootElement, name, out array))
        {
            return Problems.Validation(name, "is required.");
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            return Problems.Validation(name, $"must be an array (got {JsonFields.Describe(array.ValueKind)}).");
        }
        var count = array.GetArrayLength();
        if (count < 1 || count > maxItems)
        {
            return Problems.Validation(name, $"must hold 1 to {maxItems:N0} entries (got {count:N0}).");
        }
        return null;
    }
}

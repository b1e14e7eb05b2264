using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SegmentService.Api.Hosting;

/// <summary>
/// Positional records document their properties with <c>&lt;param&gt;</c> tags, which cannot hold an
/// <c>&lt;example&gt;</c> element of their own; Swashbuckle copies the tag's text into the description.
/// This moves an inline <c>&lt;example&gt;…&lt;/example&gt;</c> from the description into the schema's example.
/// </summary>
public sealed partial class ParamExampleSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema.Properties is null)
        {
            return;
        }
        foreach (var property in schema.Properties.Values.OfType<OpenApiSchema>())
        {
            if (property.Description is not { } description || InlineExample().Match(description) is not { Success: true } match)
            {
                continue;
            }
            var text = match.Groups["value"].Value.Trim();
            var isString = property.Type is not { } type || type.HasFlag(JsonSchemaType.String);
            property.Example = isString || !LooksLikeJson(text)
                ? JsonValue.Create(text)
                : JsonNode.Parse(text);
            var rest = description.Remove(match.Index, match.Length).Trim();
            property.Description = rest.Length == 0 ? null : rest;
        }
    }

    private static bool LooksLikeJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"<example>(?<value>.*?)</example>", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex InlineExample();
}

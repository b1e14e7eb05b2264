using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SegmentService.Api.Tests.Resilience;

/// <summary>One operation of the OpenAPI document: its method, path template, parameters and body schema.</summary>
public sealed record FuzzOperation(string Method, string Path, IReadOnlyList<(string Name, string In, JsonElement Schema)> Parameters, JsonElement? Body);

/// <summary>A request to send: method, path and query already encoded, body text and content type.</summary>
public sealed record FuzzRequest(string Operation, string Mutation, string Method, string Url, string? Body, string? ContentType);

/// <summary>
/// Builds hostile requests from the service's own OpenAPI document: a plausible request per operation, then one
/// mutation (a field's value, the body as a whole, the content type, a path id or a query value). Seeded: the same
/// seed gives the same requests.
/// </summary>
public sealed class ContractFuzzer(JsonElement document, Random random, IReadOnlyDictionary<string, string> knownValues)
{
    private const string Raw = "\u0001RAW";
    private static readonly string Big = new('x', 10_240);

    /// <summary>JSON fragments that replace one value of a valid body.</summary>
    public static readonly string[] HostileValues =
    [
        "null", "true", "false", "0", "-1", "1e400", "-1e400", "1e15", "-1e15", "1e308", "123456789012345678901234567890",
        "NaN", "Infinity", "-Infinity", "-0", "0.00000000000000000000001", "1.5", "\"\"", "\"   \"", $"\"{Big}\"",
        "\"a\\u0000b\"", "\"a\\u001fb\"", "\"a\\u202Eb\"", "\"a\\u200Bb\"", "\"\\uFEFFa\"", "\"a\\u2066b\\u2069\"", "\"\\u0085\"",
        "\"\\ud800\"", "\"x\\udc00\"", "\"\\ud800\\ud800\"", "\"2026-13-45T99:00:00Z\"", "\"1999-12-31T23:59:59Z\"",
        "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"", "\"yesterday\"", "\"2026-11-27\"", "\"2026-11-27T10:00:00\"", "{}", "[]",
        "[1,2,3]", "{\"a\":1}", Nest('[', ']', 40), Nest('{', '}', 40), "\"' OR 1=1 --\"", "\"../../etc/passwd\"", "\"purchase\"",
        "\"%00\"", "\"😀\"", "\"\\u0000\"",
    ];

    /// <summary>Whole bodies that replace a valid one.</summary>
    public static readonly string[] HostileBodies =
    [
        "", " ", "{", "}", "[]", "[{}]", "\"x\"", "null", "0", "{\"events\":null}", "{\"items\":{}}", "{\"events\":[]}",
        "{\"items\":[]}", Nest('[', ']', 200), Nest('{', '}', 5000), "{\"a\":1,\"a\":2}", "\uFEFF{}", "{'a':1}", "{\"a\":1,}",
        "{\"events\":[" + string.Join(',', Enumerable.Repeat("{}", 1001)) + "]}",
        "{\"items\":[" + string.Join(',', Enumerable.Repeat("{}", 1001)) + "]}",
    ];

    public static readonly string?[] HostileContentTypes =
    [
        null, "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=utf-16", "application/jsonx", "*/*",
    ];

    /// <summary>Path and query values, already percent-encoded.</summary>
    public static readonly string[] HostileUrlValues =
    [
        "", "%00", "%01", "%7F", "%20", "%E2%80%AE", "%E2%80%8B", "%EF%BB%BF", "%ED%A0%80", "%FF", "%C0%AF", "..", "%2E%2E%2F%2E%2E",
        "-1", "0", "1e3", "99999999999999999999", "NaN", "1.5", "%201", "true", "null", "%5B%5D", Big, "a%2Cb%2C%2C", "%0D%0Ax",
        "2026-13-45T99:00:00Z", "2026-11-27T10%3A00%3A00Z", "9999-12-31", string.Join("%2C", Enumerable.Range(0, 1500).Select(i => "i" + i)),
    ];

    public static IReadOnlyList<FuzzOperation> Operations(JsonElement document)
    {
        var operations = new List<FuzzOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                var parameters = new List<(string, string, JsonElement)>();
                if (method.Value.TryGetProperty("parameters", out var list))
                {
                    foreach (var p in list.EnumerateArray())
                    {
                        parameters.Add((p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!,
                            p.TryGetProperty("schema", out var s) ? s : default));
                    }
                }
                JsonElement? body = method.Value.TryGetProperty("requestBody", out var rb)
                    && rb.GetProperty("content").EnumerateObject().FirstOrDefault() is { Value: var media }
                    && media.ValueKind == JsonValueKind.Object && media.TryGetProperty("schema", out var schema)
                        ? schema : null;
                operations.Add(new FuzzOperation(method.Name.ToUpperInvariant(), path.Name, parameters, body));
            }
        }
        return operations;
    }

    public FuzzRequest Next(FuzzOperation op)
    {
        var name = $"{op.Method} {op.Path}";
        var mutation = random.Next(op.Body is null ? 2 : 5);
        var (url, urlMutation) = BuildUrl(op, mutateUrl: mutation <= 1 && random.Next(2) == 0 || op.Body is null);
        if (op.Body is not { } schema)
        {
            // No body in the contract: send one anyway now and then, with any content type.
            var stray = random.Next(4) == 0 ? Pick(HostileBodies) : null;
            return new FuzzRequest(name, urlMutation + (stray is null ? "" : " +stray body"), op.Method, url, stray, stray is null ? null : Pick(HostileContentTypes));
        }
        var valid = Build(schema, 0);
        return mutation switch
        {
            0 or 1 when urlMutation != "valid url" => new FuzzRequest(name, urlMutation, op.Method, url, valid.ToJsonString(), "application/json"),
            2 => new FuzzRequest(name, "whole body", op.Method, url, Pick(HostileBodies), "application/json"),
            3 when random.Next(3) == 0 => new FuzzRequest(name, "content type", op.Method, url, valid.ToJsonString(), Pick(HostileContentTypes)),
            _ => MutateField(name, op.Method, url, valid),
        };
    }

    private FuzzRequest MutateField(string name, string method, string url, JsonNode valid)
    {
        var slots = new List<(JsonNode Parent, object Key)>();
        Collect(valid, slots);
        var hostile = Pick(HostileValues);
        if (slots.Count == 0)
        {
            return new FuzzRequest(name, "whole body", method, url, hostile, "application/json");
        }
        var (parent, key) = slots[random.Next(slots.Count)];
        var marker = JsonValue.Create(Raw);
        if (key is string property)
        {
            parent[property] = marker;
        }
        else
        {
            parent[(int)key] = marker;
        }
        var text = valid.ToJsonString().Replace($"\"{JsonEncodedText.Encode(Raw)}\"", hostile, StringComparison.Ordinal);
        return new FuzzRequest(name, $"field {key} = {Shorten(hostile)}", method, url, text, "application/json");
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> slots)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    slots.Add((obj, key));
                    if (child is not null)
                    {
                        Collect(child, slots);
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    slots.Add((array, i));
                    Collect(array[i]!, slots);
                }
                break;
        }
    }

    private (string Url, string Mutation) BuildUrl(FuzzOperation op, bool mutateUrl)
    {
        var path = op.Path;
        var query = new List<string>();
        var target = mutateUrl && op.Parameters.Count > 0 ? random.Next(op.Parameters.Count) : -1;
        var mutation = "valid url";
        for (var i = 0; i < op.Parameters.Count; i++)
        {
            var (paramName, location, schema) = op.Parameters[i];
            var value = Uri.EscapeDataString(knownValues.TryGetValue(paramName, out var known) ? known : Example(schema, paramName));
            if (i == target)
            {
                value = Pick(HostileUrlValues);
                mutation = $"{location} {paramName} = {Shorten(value)}";
            }
            if (location == "path")
            {
                // Kestrel answers 400 to a NUL in the path before the app sees it (TestServer throws): send U+0001 there instead.
                value = value.Length == 0 ? "%20" : value.Replace("%00", "%01", StringComparison.Ordinal);
                path = path.Replace("{" + paramName + "}", value, StringComparison.Ordinal);
            }
            else if (location == "query" && (i == target || random.Next(2) == 0))
            {
                query.Add($"{paramName}={value}");
                if (i == target && random.Next(4) == 0)
                {
                    query.Add($"{paramName}={value}"); // the same parameter twice
                }
            }
        }
        return (query.Count == 0 ? path : path + "?" + string.Join('&', query), mutation);
    }

    private static string Example(JsonElement schema, string name) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && type.GetString() is "integer" or "number" ? "1" : "fz-" + name;

    private JsonNode Build(JsonElement schema, int depth)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var schemaName = reference.GetString()!.Split('/')[^1];
            return Build(document.GetProperty("components").GetProperty("schemas").GetProperty(schemaName), depth + 1);
        }
        if (schema.TryGetProperty("example", out var example))
        {
            return JsonNode.Parse(example.GetRawText())!;
        }
        var type = schema.TryGetProperty("type", out var t) ? (t.ValueKind == JsonValueKind.Array ? t[0].GetString() : t.GetString()) : "object";
        switch (type)
        {
            case "object" when schema.TryGetProperty("properties", out var properties) && depth < 6:
                var obj = new JsonObject();
                foreach (var property in properties.EnumerateObject())
                {
                    obj[property.Name] = knownValues.TryGetValue(property.Name, out var known) ? known : Build(property.Value, depth + 1);
                }
                return obj;
            case "array" when schema.TryGetProperty("items", out var items) && depth < 6:
                return new JsonArray(Build(items, depth + 1));
            case "integer":
            case "number":
                return JsonValue.Create(1);
            case "boolean":
                return JsonValue.Create(true);
            case "string":
                return JsonValue.Create(schema.TryGetProperty("format", out var f) && f.GetString() == "date-time" ? "2026-11-27T09:59:00Z" : "fz-" + random.Next(1000));
            default:
                return new JsonObject();
        }
    }

    private T Pick<T>(T[] values) => values[random.Next(values.Length)];

    private static string Nest(char open, char close, int depth) => open == '{'
        ? string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)
        : new string(open, depth) + new string(close, depth);

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..37] + "…";

    public static string Describe(FuzzRequest r) =>
        new StringBuilder().Append(r.Operation).Append(" [").Append(r.Mutation).Append("] ").Append(r.Method).Append(' ')
            .Append(Shorten(r.Url)).Append(" body ").Append(r.Body is null ? "none" : Shorten(r.Body)).Append(" as ").Append(r.ContentType ?? "none").ToString();
}

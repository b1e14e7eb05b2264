using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SegmentService.Api.Validation;

/// <summary>
/// Reads typed fields from a JSON object, reporting a wrong type as a field error instead of
/// failing the whole request, so one bad event in a batch cannot sink the good ones.
/// Property names match case-insensitively, as System.Text.Json's web defaults do.
/// </summary>
public static partial class JsonFields
{
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(DecodedName(property), name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return value.ValueKind != JsonValueKind.Null;
            }
        }
        value = default;
        return false;
    }

    public static string? GetString(JsonElement obj, string name, FieldErrors errors)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(name, $"must be a string (got {Describe(value.ValueKind)}).");
            return null;
        }
        if (!TryDecode(value, out var text))
        {
            errors.Add(name, "must be valid Unicode text (it has an unpaired surrogate escape).");
            return null;
        }
        return text;
    }

    // JSON may escape lone UTF-16 surrogates ("\ud800"), which parse but cannot be decoded to a string.
    private static bool TryDecode(JsonElement value, out string? text)
    {
        try
        {
            text = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    private static string? DecodedName(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static decimal? GetDecimal(JsonElement obj, string name, FieldErrors errors)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var number))
        {
            errors.Add(name, value.ValueKind == JsonValueKind.Number
                ? "is out of range."
                : $"must be a number (got {Describe(value.ValueKind)}).");
            return null;
        }
        return number;
    }

    public static long? GetInteger(JsonElement obj, string name, FieldErrors errors)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number)
        {
            errors.Add(name, $"must be an integer (got {Describe(value.ValueKind)}).");
            return null;
        }
        if (value.TryGetInt64(out var whole))
        {
            return whole;
        }
        errors.Add(name, "must be a whole number within range.");
        return null;
    }

    public static bool? GetBoolean(JsonElement obj, string name, FieldErrors errors)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        errors.Add(name, $"must be true or false (got {Describe(value.ValueKind)}).");
        return null;
    }

    /// <summary>An RFC 3339 date-time: date, time and an explicit offset (Z or ±hh:mm).</summary>
    public static DateTimeOffset? GetTimestamp(JsonElement obj, string name, FieldErrors errors)
    {
        var text = GetString(obj, name, errors);
        if (text is null)
        {
            return null;
        }
        if (!Rfc3339().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            errors.Add(name, "must be an RFC 3339 date-time with an offset, e.g. 2026-11-27T10:00:00Z.");
            return null;
        }
        return parsed;
    }

    /// <summary>The entry's id, for echoing in a rejection, when it is a string of acceptable length.</summary>
    public static string? ReadableId(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && TryGet(element, name, out var id)
        && id.ValueKind == JsonValueKind.String
        && TryDecode(id, out var text)
        && text is { Length: <= InputRules.MaxIdLength }
            ? text
            : null;

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}

namespace SegmentService.Api.Validation;

/// <summary>The rules API.md sets for identifiers and short strings, shared by every feature.</summary>
public static class InputRules
{
    public const int MaxIdLength = 128;

    /// <summary>Checks an id: 1–128 characters, not blank, no control characters.</summary>
    public static bool CheckId(string? value, string field, FieldErrors errors, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                errors.Add(field, "is required.");
            }
            return !required;
        }
        return CheckText(value, field, errors, MaxIdLength);
    }

    /// <summary>Checks free text: not blank, at most <paramref name="maxLength"/> characters, no control characters.</summary>
    public static bool CheckText(string value, string field, FieldErrors errors, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(field, "must not be empty or blank.");
            return false;
        }
        if (value.Length > maxLength)
        {
            errors.Add(field, $"must be at most {maxLength} characters (got {value.Length}).");
            return false;
        }
        if (value.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') >= 0 || value.Contains('\u007f'))
        {
            errors.Add(field, "must not contain control characters.");
            return false;
        }
        return true;
    }

    /// <summary>Splits a comma-separated id list (as in <c>exclude=</c>), checking each id.</summary>
    public static IReadOnlyList<string> SplitIdList(string? value, string field, FieldErrors errors, int maxCount)
    {
        if (string.IsNullOrEmpty(value))
        {
            return [];
        }
        var parts = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > maxCount)
        {
            errors.Add(field, $"must list at most {maxCount} ids (got {parts.Length}).");
            return [];
        }
        foreach (var part in parts)
        {
            if (!CheckId(part, field, errors))
            {
                return [];
            }
        }
        return parts;
    }
}

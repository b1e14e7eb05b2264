using System.Globalization;

namespace SegmentService.Api.Validation;

/// <summary>The rules API.md sets for identifiers and short strings, shared by every feature.</summary>
public static class InputRules
{
    public const int MaxIdLength = 128;

    /// <summary>Checks an id: 1–128 characters, not blank, no invisible or control characters (see <see cref="FindInvisible"/>).</summary>
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

    /// <summary>Checks free text: not blank, at most <paramref name="maxLength"/> characters, no invisible or control characters.</summary>
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
        if (FindInvisible(value) is { } at)
        {
            errors.Add(field, $"must not contain control, format (bidi, zero-width) or unpaired surrogate characters (U+{(int)value[at]:X4} at {at}).");
            return false;
        }
        return true;
    }

    /// <summary>
    /// The index of the first character an id must not hold, or null: Unicode Cc (controls) and Cf (format:
    /// bidi overrides and isolates, zero-width spaces and joiners, the BOM, soft hyphen), line and paragraph
    /// separators, unpaired surrogates and the noncharacters U+FFFE/U+FFFF. Such characters make two ids look
    /// alike on screen while differing in the database, or reorder what an operator reads.
    /// </summary>
    public static int? FindInvisible(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, value[i + 1]));
                if (category == UnicodeCategory.Format)
                {
                    return i;
                }
                i++;
                continue;
            }
            if (c < 0x80)
            {
                if (c < 0x20 || c == 0x7f)
                {
                    return i;
                }
                continue;
            }
            if (char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || c is '\uFFFE' or '\uFFFF')
            {
                return i;
            }
        }
        return null;
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

    /// <summary>An optional RFC 3339 date-time with an explicit offset (a bare local time would mean different instants on different servers).</summary>
    public static DateTimeOffset? ParseTimestamp(string? value, string field, FieldErrors errors)
    {
        if (value is null)
        {
            return null;
        }
        var hasOffset = value.EndsWith('Z') || value.EndsWith('z')
            || (value.Length > 6 && value[^6] is '+' or '-' && value[^3] == ':');
        if (hasOffset && value.Length >= 20 && value[10] is 'T' or 't' or ' '
            && DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var parsed))
        {
            return parsed;
        }
        errors.Add(field, "must be an RFC 3339 date-time with an offset, e.g. 2026-11-27T10:00:00Z.");
        return null;
    }
}

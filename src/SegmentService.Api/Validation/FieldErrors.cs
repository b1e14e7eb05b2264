namespace SegmentService.Api.Validation;

/// <summary>Collects the errors of one input, keyed by the camelCase field name the client sent.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            messages = [];
            _errors[field] = messages;
        }
        messages.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);

    public static Dictionary<string, string[]> For(string field, string message) =>
        new(StringComparer.Ordinal) { [field] = [message] };
}

using System.Collections.Concurrent;

namespace SegmentService.Api.Behaviour;

/// <summary>Dense ints for item ids (and title words), so rows and lists hold ints. Lookups are lock-free; adding takes a short lock.</summary>
public sealed class KeyTable
{
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Lock _grow = new();
    private string[] _names = new string[1024];

    public int Count => _ids.Count;

    public bool TryGet(string key, out int id) => _ids.TryGetValue(key, out id);

    public int GetOrAdd(string key)
    {
        if (_ids.TryGetValue(key, out var id))
        {
            return id;
        }
        lock (_grow)
        {
            if (_ids.TryGetValue(key, out id))
            {
                return id;
            }
            id = _ids.Count;
            if (id == _names.Length)
            {
                var grown = new string[_names.Length * 2];
                _names.CopyTo(grown, 0);
                Volatile.Write(ref _names, grown);
            }
            _names[id] = key;
            _ids[key] = id;
            return id;
        }
    }

    /// <summary>The key of an id handed out by this table.</summary>
    public string Name(int id) => Volatile.Read(ref _names)[id];
}

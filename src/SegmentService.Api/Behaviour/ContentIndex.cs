using System.Collections.Concurrent;
using SegmentService.Api.Catalog;

namespace SegmentService.Api.Behaviour;

/// <summary>What content matching knows of an item: category, price, title words (as word ids), stock.</summary>
public sealed record ItemAttributes(string Category, double LogPrice, int[] Words, bool InStock);

/// <summary>An item on a category list with its attributes, so the request path reads both without a lookup.</summary>
public readonly record struct ListedItem(int Item, ItemAttributes Attributes);

/// <summary>
/// A category's bounded candidate lists: best-engaged items and the newest catalogue entries. The attributes are the
/// item's current ones: every change of an item rebuilds its category's lists under the index's write lock.
/// </summary>
public sealed record CategoryLists(ListedItem[] Engaged, ListedItem[] Newest);

/// <summary>
/// Item attributes and, per category, two short lists the request path draws content candidates from, so it
/// never scans the catalogue: the best-engaged items (re-ranked by <see cref="Rerank"/> off the request path)
/// and the newest items (updated as items are upserted: this is how an item with no events gets proposed).
/// </summary>
public sealed class ContentIndex(KeyTable items, int listLength)
{
    private const int MaxTitleWords = 16;

    private readonly KeyTable _words = new();
    private readonly ConcurrentDictionary<int, ItemAttributes> _attributes = new();
    private readonly ConcurrentDictionary<string, CategoryLists> _lists = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<int>> _members = new(StringComparer.Ordinal);
    private readonly Lock _write = new();

    public ItemAttributes? Of(int item) => _attributes.GetValueOrDefault(item);

    public CategoryLists? ListsOf(string category) => _lists.GetValueOrDefault(category);

    public int WordId(string word) => _words.TryGet(word, out var id) ? id : -1;

    /// <summary>Stores the items' attributes and puts new or restocked items at the head of their category's newest list.</summary>
    public void Upsert(IEnumerable<ValidItem> changed)
    {
        lock (_write)
        {
            foreach (var item in changed)
            {
                var id = items.GetOrAdd(item.ItemId);
                var attributes = new ItemAttributes(item.Category, Math.Log(1 + (double)item.Price), WordsOf(item.Title), item.InStock);
                var previous = _attributes.GetValueOrDefault(id);
                _attributes[id] = attributes;
                if (previous is not null && previous.Category != item.Category)
                {
                    Remove(previous.Category, id);
                }
                _members.GetOrAdd(item.Category, static _ => []).Add(id);
                var lists = _lists.GetValueOrDefault(item.Category) ?? new CategoryLists([], []);
                var listed = new ListedItem(id, attributes);
                var newest = lists.Newest.Where(i => i.Item != id);
                var engaged = lists.Engaged.Where(i => i.Item != id || item.InStock).Select(i => i.Item == id ? listed : i);
                _lists[item.Category] = new CategoryLists(
                    [.. engaged],
                    item.InStock ? [listed, .. newest.Take(listLength - 1)] : [.. newest]);
            }
        }
    }

    /// <summary>Re-ranks every category's engaged list by <paramref name="engagement"/>; scans each category's members, never on the request path.</summary>
    public void Rerank(Func<int, double> engagement)
    {
        foreach (var category in _members.Keys)
        {
            int[] members;
            lock (_write)
            {
                members = [.. _members[category]];
            }
            var top = members.Where(i => _attributes.TryGetValue(i, out var a) && a.InStock)
                .Select(i => (Item: i, Score: engagement(i))).Where(x => x.Score > 0)
                .OrderByDescending(x => x.Score).ThenBy(x => x.Item).Take(listLength).Select(x => x.Item).ToArray();
            lock (_write)
            {
                var lists = _lists.GetValueOrDefault(category) ?? new CategoryLists([], []);
                _lists[category] = lists with { Engaged = [.. top.Select(i => new ListedItem(i, _attributes[i]))] };
            }
        }
    }

    /// <summary>Word ids of a title: lower-case letter runs of 3+ characters, at most 16, distinct.</summary>
    public int[] WordsOf(string? title, bool add = true)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return [];
        }
        var ids = new List<int>(MaxTitleWords);
        foreach (var word in title.ToLowerInvariant().Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.Length < 3 || !word.All(char.IsLetter))
            {
                continue;
            }
            var id = add ? _words.GetOrAdd(word) : WordId(word);
            if (id >= 0 && !ids.Contains(id))
            {
                ids.Add(id);
            }
            if (ids.Count == MaxTitleWords)
            {
                break;
            }
        }
        return [.. ids];
    }

    private static readonly char[] Separators = [' ', ',', '.', '/', '-', '+', '&', '(', ')', '\'', '"', ':', ';', '!', '?'];

    private void Remove(string category, int id)
    {
        if (_members.TryGetValue(category, out var members))
        {
            members.Remove(id);
        }
        if (_lists.TryGetValue(category, out var lists))
        {
            _lists[category] = new CategoryLists([.. lists.Engaged.Where(i => i.Item != id)], [.. lists.Newest.Where(i => i.Item != id)]);
        }
    }
}

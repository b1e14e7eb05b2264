namespace SegmentService.Api.Profiles;

/// <summary>
/// Profiles held column-wise for feature building: one entry per user, decayed values already brought to
/// the same instant, categories interned and stored sparsely. Built for a million rows without one object per user.
/// </summary>
public sealed class ProfileTable(int capacity = 1024)
{
    private readonly Dictionary<string, int> _categoryIndex = new(StringComparer.Ordinal);

    public List<string> UserIds { get; } = new(capacity);
    public List<string> CategoryNames { get; } = [];

    /// <summary>Days since the user's last event.</summary>
    public List<float> RecencyDays { get; } = new(capacity);
    public List<float> Views { get; } = new(capacity);
    public List<float> Clicks { get; } = new(capacity);
    public List<float> Carts { get; } = new(capacity);
    public List<float> Purchases { get; } = new(capacity);
    public List<float> Spend { get; } = new(capacity);

    /// <summary>Row i's categories are entries CategoryStart[i] .. CategoryStart[i+1]-1 of CategoryIds/CategoryWeights.</summary>
    public List<int> CategoryStart { get; } = new(capacity + 1) { 0 };
    public List<int> CategoryIds { get; } = new(capacity * 2);
    public List<float> CategoryWeights { get; } = new(capacity * 2);

    public int Count => UserIds.Count;

    /// <summary>Adds one profile; decayed values are as of <paramref name="refTime"/> and are decayed here to <paramref name="now"/>.</summary>
    public void Add(
        string userId, DateTimeOffset lastSeen, DateTimeOffset refTime, DateTimeOffset now, double halfLifeSeconds,
        double views, double clicks, double carts, double purchases, double spend,
        ReadOnlySpan<string> categories, ReadOnlySpan<float> categoryWeights)
    {
        var factor = DecayFactor(refTime, now, halfLifeSeconds);
        UserIds.Add(userId);
        RecencyDays.Add((float)Math.Max(0, (now - lastSeen).TotalDays));
        Views.Add((float)(views * factor));
        Clicks.Add((float)(clicks * factor));
        Carts.Add((float)(carts * factor));
        Purchases.Add((float)(purchases * factor));
        Spend.Add((float)(spend * factor));
        for (var i = 0; i < categories.Length; i++)
        {
            if (!_categoryIndex.TryGetValue(categories[i], out var id))
            {
                id = CategoryNames.Count;
                CategoryNames.Add(categories[i]);
                _categoryIndex.Add(categories[i], id);
            }
            CategoryIds.Add(id);
            CategoryWeights.Add(categoryWeights[i]);
        }
        CategoryStart.Add(CategoryIds.Count);
    }

    /// <summary>2^(−(now − refTime)/h): what a decayed value stored as of refTime is worth at now.</summary>
    public static double DecayFactor(DateTimeOffset refTime, DateTimeOffset now, double halfLifeSeconds) =>
        Math.Pow(2, -Math.Max(-1000, (now - refTime).TotalSeconds / halfLifeSeconds));

    public int CategoryIdOf(string name) => _categoryIndex.TryGetValue(name, out var id) ? id : -1;
}

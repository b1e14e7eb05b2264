using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

/// <summary>A run in force, in memory: its segments, scaling, centroids and every user's segment.</summary>
public sealed class RunState(
    long runId,
    DateTimeOffset assignedAt,
    IReadOnlyList<string> keys,
    IReadOnlyList<string> labels,
    IReadOnlyList<float[]> centroids,
    IReadOnlyList<FeatureSpec> specs,
    Dictionary<string, int> users)
{
    public long RunId => runId;
    public DateTimeOffset AssignedAt => assignedAt;
    public IReadOnlyList<string> Keys => keys;
    public IReadOnlyList<string> Labels => labels;
    public IReadOnlyList<float[]> Centroids => centroids;
    public IReadOnlyList<FeatureSpec> Specs => specs;
    public IReadOnlyList<string> Categories { get; } = FeatureBuilder.CategoriesOf(specs);

    /// <summary>User → segment index as the run assigned it. Never written after construction.</summary>
    public IReadOnlyDictionary<string, int> Users => users;

    /// <summary>Moves made since the run, by this replica or picked up from others.</summary>
    public ConcurrentDictionary<string, (int Segment, DateTimeOffset At)> Live { get; } = new(StringComparer.Ordinal);

    public int IndexOf(string key)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i] == key)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The user's segment index now (live move first, then the run), or −1.</summary>
    public int SegmentOf(string userId) =>
        Live.TryGetValue(userId, out var live) ? live.Segment : users.TryGetValue(userId, out var index) ? index : -1;
}

/// <summary>The in-memory <see cref="ISegmentDirectory"/>: swapped whole when a run comes into force, patched by live moves.</summary>
public sealed class SegmentDirectory(IOptions<SegmentationOptions> options) : ISegmentDirectory
{
    private RunState? _current;

    public RunState? Current => Volatile.Read(ref _current);

    public long? CurrentRunId => Current?.RunId;

    /// <summary>Highest live_assignments.seq this replica has applied.</summary>
    public long LiveWatermark { get; set; }

    public SegmentAssignment Resolve(string userId)
    {
        var state = Current;
        if (state is not null)
        {
            if (state.Live.TryGetValue(userId, out var live))
            {
                return new(userId, state.Keys[live.Segment], state.Labels[live.Segment], state.RunId, live.At, AssignmentSource.Live);
            }
            if (state.Users.TryGetValue(userId, out var index))
            {
                return new(userId, state.Keys[index], state.Labels[index], state.RunId, state.AssignedAt, AssignmentSource.Run);
            }
        }
        return new(userId, options.Value.ColdStartKey, options.Value.ColdStartLabel, state?.RunId, null, AssignmentSource.ColdStart);
    }

    public void Activate(RunState state) => Volatile.Write(ref _current, state);

    /// <summary>Puts <paramref name="previous"/> back if <paramref name="failed"/> is still the run in force.</summary>
    public void Restore(RunState failed, RunState? previous) => Interlocked.CompareExchange(ref _current, previous, failed);

    /// <summary>Records a move if <paramref name="runId"/> is still the run in force.</summary>
    public void ApplyLive(long runId, string userId, string key, DateTimeOffset at)
    {
        var state = Current;
        if (state?.RunId == runId && state.IndexOf(key) is var index and >= 0)
        {
            state.Live[userId] = (index, at);
        }
    }
}

using Microsoft.Extensions.Options;
using SegmentService.Api.Events;
using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

/// <summary>
/// After events commit, re-scores their users against the run in force (its scaling and centroids) and moves
/// anyone now nearer another centroid: persisted (other replicas, restarts) and in memory, before the POST answers.
/// Costs one profile read per batch, plus one write when someone moves.
/// </summary>
public sealed class LiveReassigner(
    SegmentDirectory directory,
    ProfileReader profiles,
    RunStore store,
    IOptions<ProfileOptions> profileOptions,
    TimeProvider timeProvider) : IEventsCommittedObserver
{
    public async ValueTask OnEventsCommittedAsync(IReadOnlyList<ValidEvent> stored, CancellationToken cancellationToken)
    {
        var state = directory.Current;
        if (state is null || stored.Count == 0)
        {
            return;
        }
        var userIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in stored)
        {
            userIds.Add(e.UserId);
        }
        var now = timeProvider.GetUtcNow();
        var table = await profiles.ReadUsersAsync(userIds, now, profileOptions.Value.HalfLife.TotalSeconds, cancellationToken);
        var columns = FeatureBuilder.CategoryColumns(table, state.Categories);
        var features = new float[state.Specs.Count];
        List<string>? movedUsers = null;
        List<string>? movedKeys = null;
        for (var row = 0; row < table.Count; row++)
        {
            FeatureBuilder.Standardised(table, row, state.Specs, columns, features);
            var (nearest, _) = ClusterMath.Nearest(features, state.Centroids);
            if (nearest >= 0 && nearest != state.SegmentOf(table.UserIds[row]))
            {
                (movedUsers ??= []).Add(table.UserIds[row]);
                (movedKeys ??= []).Add(state.Keys[nearest]);
            }
        }
        if (movedUsers is null)
        {
            return;
        }
        await store.SaveLiveAsync(state.RunId, [.. movedUsers], [.. movedKeys!], now, cancellationToken);
        for (var i = 0; i < movedUsers.Count; i++)
        {
            directory.ApplyLive(state.RunId, movedUsers[i], movedKeys![i], now);
        }
    }
}

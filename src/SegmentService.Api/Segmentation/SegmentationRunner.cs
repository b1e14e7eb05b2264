using System.Diagnostics;
using Microsoft.Extensions.Options;
using SegmentService.Api.Profiles;

namespace SegmentService.Api.Segmentation;

/// <summary>A test seam: called inside every run just before the fit (a test may block or throw here).</summary>
public interface ISegmentationRunHook
{
    Task BeforeFitAsync(long runId, CancellationToken cancellationToken);
}

/// <summary>
/// One run, start to end: profiles → features → K (fixed or chosen) → ML.NET K-means → keys matched to the previous
/// run → labels → transitions → one transaction → in force on this replica. Never throws: the outcome is recorded.
/// </summary>
public sealed class SegmentationRunner(
    ProfileReader profiles,
    RunStore store,
    SegmentDirectory directory,
    SegmentationNotifier notifier,
    IEnumerable<ISegmentationRunHook> hooks,
    IOptions<SegmentationOptions> options,
    IOptions<ProfileOptions> profileOptions,
    TimeProvider timeProvider,
    ILogger<SegmentationRunner> logger)
{
    /// <summary>Runs; <paramref name="recorded"/> completes once the run's final status is stored (before pruning).</summary>
    public async Task ExecuteAsync(long runId, TaskCompletionSource recorded, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(runId, recorded, cancellationToken);
        }
        catch (Exception ex)
        {
            var message = ex is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? "cancelled: the service is stopping"
                : $"{ex.GetType().Name}: {ex.Message}";
            logger.LogError(ex, "Segmentation run {RunId} failed; the previous run stays in force", runId);
            try
            {
                await store.FinishWithoutResultAsync(runId, RunStatus.Failed, message, null, timeProvider.GetUtcNow(), CancellationToken.None);
            }
            catch (Exception recordError)
            {
                logger.LogError(recordError, "Could not record the failure of run {RunId}", runId);
            }
        }
        finally
        {
            recorded.TrySetResult();
        }
    }

    private async Task RunAsync(long runId, TaskCompletionSource recorded, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var timings = new Dictionary<string, long>();
        var total = Stopwatch.StartNew();
        var step = Stopwatch.StartNew();
        long Lap()
        {
            var ms = step.ElapsedMilliseconds;
            step.Restart();
            return ms;
        }

        var now = timeProvider.GetUtcNow();
        var table = await profiles.ReadActiveAsync(now - o.FeatureWindow, now, profileOptions.Value.HalfLife.TotalSeconds, cancellationToken);
        timings["readProfiles"] = Lap();
        var (kMin, kMax) = o.KBounds;
        if (table.Count < Math.Max(o.MinUsers, kMin))
        {
            var reason = $"skipped: {table.Count} active users, fewer than Segmentation:MinUsers ({o.MinUsers}) or K ({kMin})";
            logger.LogWarning("Segmentation run {RunId} {Reason}", runId, reason);
            await store.FinishWithoutResultAsync(runId, RunStatus.Skipped, reason, table.Count, timeProvider.GetUtcNow(), cancellationToken);
            recorded.TrySetResult();
            return;
        }
        foreach (var hook in hooks)
        {
            await hook.BeforeFitAsync(runId, cancellationToken);
        }

        var topCategories = FeatureBuilder.TopCategories(table, o.TopCategories);
        var (matrix, specs) = FeatureBuilder.BuildStandardised(table, topCategories);
        var d = specs.Length;
        timings["features"] = Lap();

        var sample = KSelection.Sample(matrix, d, table.Count, o.SampleSize, o.Seed);
        var silhouetteRows = KSelection.SilhouetteRows(sample.Length / d, o.SilhouetteSample, o.Seed);
        var (k, scores) = KSelection.Choose(sample, d, silhouetteRows, kMin, kMax, o.Seed);
        if (kMax > kMin)
        {
            timings["chooseK"] = Lap();
        }

        var fit = KMeansFitter.FitBest(matrix, d, k, o.Seed, withModel: true);
        timings["fit"] = Lap();
        var (labels, distances) = ClusterMath.AssignAll(matrix, d, fit.Centroids);
        var centroids = fit.Centroids;
        k = centroids.Length;
        var (sizes, originalMeans) = OriginalUnitMeans(table, topCategories, labels, k, d);
        timings["assign"] = Lap();

        var previous = directory.Current;
        var previousCentroids = previous?.Centroids.Select(c => SegmentMatcher.Rescale(c, previous.Specs, specs)).ToArray() ?? [];
        var match = SegmentMatcher.Match(centroids, previousCentroids, o.MatchThreshold);
        var next = await store.MaxSegmentNumberAsync(cancellationToken);
        var keys = new string[k];
        var names = new string[k];
        for (var c = 0; c < k; c++)
        {
            var m = match[c];
            keys[c] = m >= 0 ? previous!.Keys[m] : $"seg-{++next}";
            names[c] = m >= 0 && Math.Sqrt(ClusterMath.SquaredDistance(centroids[c], previousCentroids[m])) <= o.LabelStability
                ? previous!.Labels[m]
                : SegmentLabeler.Label(specs, centroids[c]);
        }
        var transitions = Transitions(table.UserIds, labels, keys, previous, o.ColdStartKey);
        timings["match"] = Lap();

        var sampleLabels = ClusterMath.AssignAll(sample, d, centroids).Labels;
        var metrics = new RunMetrics(
            kMax > kMin ? $"silhouette over K {kMin}-{kMax} on a sample of {sample.Length / d}" : "fixed",
            ClusterMath.Silhouette(sample, d, silhouetteRows, sampleLabels, k),
            ClusterMath.DaviesBouldin(matrix, d, labels, centroids),
            ClusterMath.Inertia(distances),
            match.Count(m => m >= 0),
            match.Count(m => m < 0),
            scores,
            timings);
        var segments = Enumerable.Range(0, k).Select(c => new SegmentResult(
            keys[c], names[c], sizes[c], centroids[c],
            specs.Select((s, f) => (s.Name, Value: originalMeans[c][f])).ToDictionary(p => p.Name, p => p.Value),
            match[c] >= 0 ? previous!.Keys[match[c]] : null)).ToArray();
        var finishedAt = timeProvider.GetUtcNow();
        var outcome = new RunOutcome(runId, previous?.RunId, specs, metrics, transitions, fit.Model, segments,
            table.UserIds, labels, distances, finishedAt);
        var users = new Dictionary<string, int>(table.Count, StringComparer.Ordinal);
        for (var i = 0; i < table.Count; i++)
        {
            users[table.UserIds[i]] = labels[i];
        }
        var state = new RunState(runId, finishedAt, keys, names, centroids, specs, users);
        // In force here before the commit makes 'succeeded' visible, so a caller who sees 'succeeded' on this replica
        // also sees the run's segments; put back if the commit fails.
        directory.Activate(state);
        try
        {
            await store.CommitAsync(outcome, o.FeatureWindow, o.TopItems, cancellationToken);
        }
        catch
        {
            directory.Restore(state, previous);
            throw;
        }
        recorded.TrySetResult();
        var write = Lap();
        await notifier.ActivateAsync(state, new SegmentationRunCommitted(runId, previous?.RunId, keys, transitions), cancellationToken);
        logger.LogInformation(
            "Segmentation run {RunId} succeeded: {Users} users, K = {K}, {Matched} keys kept, in {Elapsed} ms ({Timings}; write {Write} ms, activate {Activate} ms)",
            runId, table.Count, k, metrics.MatchedSegments, total.ElapsedMilliseconds, timings, write, Lap());
        try
        {
            var pruned = await store.PruneAsync(o.KeepAssignmentsOfRuns, cancellationToken);
            logger.LogInformation("Deleted {Rows} assignments of runs older than the latest {Keep}", pruned, o.KeepAssignmentsOfRuns);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not prune old assignments; the next run tries again");
        }
    }

    private static (int[] Sizes, double[][] Means) OriginalUnitMeans(ProfileTable table, IReadOnlyList<string> topCategories, int[] labels, int k, int d)
    {
        var sizes = new int[k];
        var sums = Enumerable.Range(0, k).Select(_ => new double[d]).ToArray();
        var columns = FeatureBuilder.CategoryColumns(table, topCategories);
        Span<float> raw = stackalloc float[d];
        for (var row = 0; row < table.Count; row++)
        {
            FeatureBuilder.Raw(table, row, columns, raw);
            var sum = sums[labels[row]];
            for (var f = 0; f < d; f++)
            {
                sum[f] += raw[f];
            }
            sizes[labels[row]]++;
        }
        for (var c = 0; c < k; c++)
        {
            for (var f = 0; f < d; f++)
            {
                sums[c][f] = sizes[c] > 0 ? Math.Round(sums[c][f] / sizes[c], 4) : 0;
            }
        }
        return (sizes, sums);
    }

    /// <summary>Users per (segment before the run → segment after); users the previous run did not know come from cold start.</summary>
    internal static SegmentTransition[] Transitions(
        IReadOnlyList<string> users, int[] labels, string[] keys, RunState? previous, string coldStartKey)
    {
        var counts = new Dictionary<(string From, string To), int>();
        for (var i = 0; i < users.Count; i++)
        {
            var from = previous?.SegmentOf(users[i]) is int index and >= 0 ? previous.Keys[index] : coldStartKey;
            var pair = (from, keys[labels[i]]);
            counts[pair] = counts.GetValueOrDefault(pair) + 1;
        }
        return [.. counts.OrderBy(p => p.Key.From, StringComparer.Ordinal).ThenBy(p => p.Key.To, StringComparer.Ordinal)
            .Select(p => new SegmentTransition(p.Key.From, p.Key.To, p.Value))];
    }
}

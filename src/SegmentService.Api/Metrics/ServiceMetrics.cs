using Prometheus;
using SegmentService.Api.Feedback;
using SegmentService.Api.Policy;

namespace SegmentService.Api.Metrics;

/// <summary>
/// Every metric the service exports, on a registry of its own (one per host, so test hosts do not share counts and
/// the runtime's internal meters, e.g. <c>private_internaldiagnostics_*</c>, never reach /metrics). Code that
/// has something to count calls one of the small methods here; values that already live in memory (segment sizes,
/// Q-table size, buffer depths) are read at scrape time by <see cref="ScrapeGauges"/>.
/// </summary>
public sealed class ServiceMetrics
{
    private readonly Counter _events;
    private readonly Counter _feedback;
    private readonly Counter _rewardTotal;
    private readonly Counter _penaltyTotal;
    private readonly Counter _defaultRewards;
    private readonly Counter _outageRefused;
    private readonly Counter _impressionsDropped;
    private readonly Counter _retentionDeleted;
    private readonly Counter _feedbackEventsShed;
    private readonly Counter _memoryShed;
    private readonly Histogram _runDuration;
    // The feedback path counts every request: its children are looked up once, not with a label array per call.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(FeedbackType, FeedbackOutcome), Counter.Child> _feedbackChildren = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Counter.Child> _rewardChildren = new(StringComparer.Ordinal);

    public ServiceMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _events = Factory.CreateCounter(
            "segmentservice_events_total", "Behaviour events posted to /events, by what ingest did with them.",
            new CounterConfiguration { LabelNames = ["outcome"] });
        _feedback = Factory.CreateCounter(
            "segmentservice_feedback_total", "Feedback posts, by type and outcome (applied, repeat, unknown_recommendation, not_shown, window_closed).",
            new CounterConfiguration { LabelNames = ["type", "outcome"] });
        _rewardTotal = Factory.CreateCounter(
            "segmentservice_reward_total", "Sum of the positive rewards applied to the policy, by feedback type (expired = default reward).",
            new CounterConfiguration { LabelNames = ["type"] });
        // A counter cannot go down, and rewards may be configured negative: their magnitude is counted here.
        _penaltyTotal = Factory.CreateCounter(
            "segmentservice_penalty_total", "Sum of the magnitudes of negative rewards applied (net reward = reward_total - penalty_total).",
            new CounterConfiguration { LabelNames = ["type"] });
        _defaultRewards = Factory.CreateCounter(
            "segmentservice_default_rewards_total", "Shown items that got no feedback within the reward window and were given the default reward.");
        _impressionsDropped = Factory.CreateCounter(
            "segmentservice_impressions_dropped_total", "Answers not logged: the impression buffer was full (buffer_full) or could not be written before its settle time (late).",
            new CounterConfiguration { LabelNames = ["reason"] });
        _retentionDeleted = Factory.CreateCounter(
            "segmentservice_retention_deleted_total", "Rows deleted by retention, by table (policy_snapshots, impressions, feedback).",
            new CounterConfiguration { LabelNames = ["table"] });
        _feedbackEventsShed = Factory.CreateCounter(
            "segmentservice_feedback_events_shed_total", "Applied feedback whose behaviour event was not written: its queue was past Policy:MaxQueuedFeedbackEvents.");
        _memoryShed = Factory.CreateCounter(
            "segmentservice_memory_shed_total", "Entries an in-memory map forgot past its configured bound (purchases, purchase_users, priors, qtable).",
            new CounterConfiguration { LabelNames = ["map"] });
        _outageRefused = Factory.CreateCounter(
            "segmentservice_database_outage_refused_total", "Requests answered 503 because the database was unreachable.");
        _runDuration = Factory.CreateHistogram(
            "segmentservice_segmentation_run_duration_seconds", "Wall time of segmentation runs, by outcome (succeeded, skipped, failed).",
            new HistogramConfiguration
            {
                LabelNames = ["outcome"],
                Buckets = Histogram.ExponentialBuckets(0.05, 2, 14),
            });
        SegmentSize = Factory.CreateGauge(
            "segmentservice_segment_users", "Users in each segment of the run in force.",
            new GaugeConfiguration { LabelNames = ["segment"] });
        QTableEntries = Factory.CreateGauge("segmentservice_qtable_entries", "Learnt (segment, item) values held in memory.");
        QTableSegments = Factory.CreateGauge("segmentservice_qtable_segments", "Segments with a row in the Q-table.");
        BufferDepth = Factory.CreateGauge(
            "segmentservice_buffer_depth", "Items waiting in an in-memory buffer or queue (impressions, open_impressions, feedback, feedback_events).",
            new GaugeConfiguration { LabelNames = ["buffer"] });
        MemoryEntries = Factory.CreateGauge(
            "segmentservice_memory_entries", "Entries of an in-memory map (priors, purchase_users, purchases, catalogue, behaviour_users, peer_index_items, behaviour_items, graph_items, graph_pairs).",
            new GaugeConfiguration { LabelNames = ["map"] });
        foreach (var outcome in EventOutcomes)
        {
            _events.WithLabels(outcome);
        }
        foreach (var map in ShedMaps)
        {
            _memoryShed.WithLabels(map);
        }
    }

    private static readonly string[] ShedMaps = ["purchases", "purchase_users", "priors", "qtable"];

    private static readonly string[] EventOutcomes = ["accepted", "duplicate", "rejected"];

    public CollectorRegistry Registry { get; }

    /// <summary>For prometheus-net's own instruments (the HTTP middleware) to land on <see cref="Registry"/>.</summary>
    public IMetricFactory Factory { get; }

    internal Gauge SegmentSize { get; }

    internal Gauge QTableEntries { get; }

    internal Gauge QTableSegments { get; }

    internal Gauge BufferDepth { get; }

    internal Gauge MemoryEntries { get; }

    /// <summary>Raises the shed counter to the total the outcome log keeps (read at each scrape).</summary>
    public void FeedbackEventsShed(long total) => _feedbackEventsShed.IncTo(total);

    /// <summary>Raises the shed counter of <paramref name="map"/> to the total its owner keeps (read at each scrape).</summary>
    public void MemoryShed(string map, long total) => _memoryShed.WithLabels(map).IncTo(total);

    public void DatabaseOutageRefused() => _outageRefused.Inc();

    /// <summary>Raises the dropped-impression counters to the totals the impression log keeps (read at each scrape).</summary>
    public void ImpressionsDropped(long bufferFull, long late)
    {
        _impressionsDropped.WithLabels("buffer_full").IncTo(bufferFull);
        _impressionsDropped.WithLabels("late").IncTo(late);
    }

    /// <summary>Raises the retention counters to the totals the pruner keeps (read at each scrape).</summary>
    public void RetentionDeleted(PruneResult deleted)
    {
        _retentionDeleted.WithLabels("policy_snapshots").IncTo(deleted.Snapshots);
        _retentionDeleted.WithLabels("impressions").IncTo(deleted.Impressions);
        _retentionDeleted.WithLabels("feedback").IncTo(deleted.Feedback);
    }

    public void EventsIngested(int accepted, int duplicates, int rejected)
    {
        _events.WithLabels("accepted").Inc(accepted);
        _events.WithLabels("duplicate").Inc(duplicates);
        _events.WithLabels("rejected").Inc(rejected);
    }

    /// <summary>One feedback post; <paramref name="reward"/> counts only when it was applied.</summary>
    public void Feedback(FeedbackType type, FeedbackOutcome outcome, double reward)
    {
        _feedbackChildren.GetOrAdd((type, outcome), static (key, counter) => counter.WithLabels(TypeLabel(key.Item1), OutcomeLabel(key.Item2)), _feedback).Inc();
        if (outcome == FeedbackOutcome.Applied)
        {
            AddReward(TypeLabel(type), reward);
        }
    }

    private static string TypeLabel(FeedbackType type) => type switch
    {
        FeedbackType.Click => "click",
        FeedbackType.AddToCart => "add_to_cart",
        FeedbackType.Purchase => "purchase",
        _ => "other",
    };

    private static string OutcomeLabel(FeedbackOutcome outcome) => outcome switch
    {
        FeedbackOutcome.Applied => "applied",
        FeedbackOutcome.Repeat => "repeat",
        FeedbackOutcome.UnknownRecommendation => "unknown_recommendation",
        FeedbackOutcome.ItemNotInRecommendation => "not_shown",
        FeedbackOutcome.WindowClosed => "window_closed",
        FeedbackOutcome.Overloaded => "overloaded",
        _ => "other",
    };

    /// <summary>Default rewards given by the reward-window sweep (<paramref name="count"/> items, each worth <paramref name="reward"/>).</summary>
    public void DefaultRewards(int count, double reward)
    {
        if (count <= 0)
        {
            return;
        }
        _defaultRewards.Inc(count);
        AddReward("expired", count * reward);
    }

    private void AddReward(string type, double reward)
    {
        if (reward > 0)
        {
            _rewardChildren.GetOrAdd(type, static (label, counter) => counter.WithLabels(label), _rewardTotal).Inc(reward);
        }
        else if (reward < 0)
        {
            _penaltyTotal.WithLabels(type).Inc(-reward);
        }
    }

    public void SegmentationRun(string outcome, TimeSpan duration) =>
        _runDuration.WithLabels(outcome).Observe(duration.TotalSeconds);
}

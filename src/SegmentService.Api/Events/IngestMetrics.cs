using System.Diagnostics.Metrics;
using SegmentService.Api.Hosting;

namespace SegmentService.Api.Events;

/// <summary>Counts what ingest did with the events it was sent.</summary>
public sealed class IngestMetrics
{
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;

    public IngestMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MetricsEndpoint.MeterName);
        _accepted = meter.CreateCounter<long>("events.accepted", description: "Events newly stored.");
        _duplicates = meter.CreateCounter<long>("events.duplicates", description: "Events whose id was already stored.");
        _rejected = meter.CreateCounter<long>("events.rejected", description: "Events that failed validation.");
    }

    public void Record(int accepted, int duplicates, int rejected)
    {
        _accepted.Add(accepted);
        _duplicates.Add(duplicates);
        _rejected.Add(rejected);
    }
}

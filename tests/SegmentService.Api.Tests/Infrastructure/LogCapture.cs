using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace SegmentService.Api.Tests.Infrastructure;

/// <summary>Every Serilog event the host writes (registered as an ILogEventSink, which the service's logger reads from DI).</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public static string SourceOf(LogEvent e) =>
        e.Properties.TryGetValue("SourceContext", out var value) && value is ScalarValue { Value: string s } ? s : "";

    /// <summary>Each event rendered with its properties and exception, for searching.</summary>
    public IEnumerable<string> Rendered() =>
        Events.Select(e => $"{e.Level} {SourceOf(e)} {e.RenderMessage()} {string.Join(" ", e.Properties.Select(p => $"{p.Key}={p.Value}"))} {e.Exception}");
}

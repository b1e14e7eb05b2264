using System.Text.Json.Nodes;

namespace SegmentService.Api.Tests.Infrastructure;

/// <summary>Marks a test that needs Chromium; without one it is skipped, saying why and how to get it.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Locate() is null)
        {
            Skip = $"Chromium not found: set {HeadlessChromium.EnvironmentVariable}, or install Debian's 'chromium' (scripts/test.sh does when it runs as root).";
        }
    }
}

/// <summary>Which DevTools events count as page errors: console.error/assert, uncaught exceptions, error log entries (failed loads, CSP).</summary>
internal static class DevToolsErrors
{
    public static string? Describe(JsonNode node)
    {
        var p = node["params"];
        return (string?)node["method"] switch
        {
            "Runtime.consoleAPICalled" when (string?)p?["type"] is "error" or "assert" =>
                "console." + (string?)p?["type"] + ": " + string.Join(" ", p?["args"]?.AsArray().Select(a => a?["value"]?.ToString() ?? a?["description"]?.ToString()) ?? []),
            "Runtime.exceptionThrown" => "exception: " + (p?["exceptionDetails"]?["exception"]?["description"] ?? p?["exceptionDetails"]?["text"]),
            "Log.entryAdded" when (string?)p?["entry"]?["level"] == "error" =>
                "log: " + p?["entry"]?["text"] + " " + p?["entry"]?["url"],
            _ => null,
        };
    }
}

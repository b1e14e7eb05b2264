using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SegmentService.Bench.EventsLoad;

/// <summary>One behaviour event, with the columns of the <c>events</c> table (received_at aside).</summary>
public readonly record struct EventRow(
    string EventId,
    string UserId,
    short Type,
    string ItemId,
    DateTimeOffset OccurredAt,
    decimal? Value,
    int? Quantity,
    string SessionId,
    string Source);

/// <summary>
/// Makes event number <c>index</c> of a run from the index alone (a hash of seed and index), so any
/// batch can be built independently and the JSON bodies and the CSV file hold exactly the same rows.
/// </summary>
public sealed class EventGenerator(string runId, ulong seed, int users, int items, DateTimeOffset baseTime)
{
    private static readonly string[] TypeNames = ["", "view", "click", "add_to_cart", "purchase"];
    private static readonly TimeSpan Spread = TimeSpan.FromDays(7);

    public EventRow Row(long index)
    {
        var h = Mix(seed ^ ((ulong)index * 0x9E3779B97F4A7C15UL));
        var user = (int)(h % (ulong)users);
        h = Mix(h);
        // Squaring a uniform draw skews traffic towards low item numbers, as real catalogues are.
        var u = (h >> 11) * (1.0 / (1UL << 53));
        var item = Math.Min(items - 1, (int)(u * u * items));
        h = Mix(h);
        var roll = (int)(h % 100);
        short type = roll switch { < 70 => 1, < 88 => 2, < 96 => 3, _ => 4 };
        h = Mix(h);
        var ago = (long)(h % (ulong)Spread.TotalSeconds);
        var occurredAt = baseTime.AddSeconds(-ago);
        h = Mix(h);
        decimal? value = type == 4 ? 5m + (h % 50_000) / 100m : null;
        int? quantity = type >= 3 ? 1 + (int)((h >> 20) % 3) : null;
        var source = (h >> 40) % 3 == 0 ? "app" : "web";
        var session = string.Create(CultureInfo.InvariantCulture, $"s-{user}-{ago / 3600}");
        return new EventRow(
            string.Create(CultureInfo.InvariantCulture, $"{runId}-{index}"),
            string.Create(CultureInfo.InvariantCulture, $"u{user}"),
            type,
            string.Create(CultureInfo.InvariantCulture, $"sku-{item}"),
            occurredAt,
            value,
            quantity,
            session,
            source);
    }

    /// <summary>The POST /events body for events <paramref name="from"/> up to (not including) <paramref name="to"/>.</summary>
    public byte[] JsonBatch(long from, long to)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("events");
            for (var i = from; i < to; i++)
            {
                var row = Row(i);
                json.WriteStartObject();
                json.WriteString("eventId", row.EventId);
                json.WriteString("userId", row.UserId);
                json.WriteString("type", TypeNames[row.Type]);
                json.WriteString("itemId", row.ItemId);
                json.WriteString("occurredAt", Timestamp(row.OccurredAt));
                if (row.Value is { } value)
                {
                    json.WriteNumber("value", value);
                }
                if (row.Quantity is { } quantity)
                {
                    json.WriteNumber("quantity", quantity);
                }
                json.WriteString("sessionId", row.SessionId);
                json.WriteString("source", row.Source);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Writes events 0 to <paramref name="total"/> as CSV with a header, in the column order of the
    /// <c>events</c> table, for <c>\copy events (...) FROM ... WITH (FORMAT csv, HEADER true)</c>.
    /// An empty field is NULL.
    /// </summary>
    public void WriteCsv(string path, long total, DateTimeOffset receivedAt)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
        writer.NewLine = "\n";
        writer.WriteLine(CsvHeader);
        var received = Timestamp(receivedAt);
        for (long i = 0; i < total; i++)
        {
            var row = Row(i);
            writer.Write(Quote(row.EventId));
            writer.Write(',');
            writer.Write(Quote(row.UserId));
            writer.Write(',');
            writer.Write(row.Type.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(Quote(row.ItemId));
            writer.Write(',');
            writer.Write(Timestamp(row.OccurredAt));
            writer.Write(',');
            writer.Write(received);
            writer.Write(',');
            writer.Write(row.Value?.ToString(CultureInfo.InvariantCulture) ?? "");
            writer.Write(',');
            writer.Write(row.Quantity?.ToString(CultureInfo.InvariantCulture) ?? "");
            writer.Write(',');
            writer.Write(Quote(row.SessionId));
            writer.Write(',');
            writer.WriteLine(Quote(row.Source));
        }
    }

    public const string CsvHeader = "event_id,user_id,type,item_id,occurred_at,received_at,value,quantity,session_id,source";

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // The generated ids never need quoting; this keeps the CSV valid if the id scheme changes.
    private static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") < 0 && text.Length > 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    // SplitMix64's finaliser: a cheap, well-mixed hash of a 64-bit value.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

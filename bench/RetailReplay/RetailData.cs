using System.Globalization;
using System.IO.Compression;

namespace RetailReplay;

/// <summary>One kept invoice line of the UCI Online Retail file.</summary>
public sealed record Line(string InvoiceNo, string StockCode, string Description, int Quantity, DateTime At, decimal UnitPrice, string CustomerId);

/// <summary>An invoice: one customer's basket at one time, its distinct items in file order.</summary>
public sealed record Invoice(string InvoiceNo, string CustomerId, DateTime At, IReadOnlyList<Line> Lines)
{
    public IEnumerable<string> Items => Lines.Select(l => l.StockCode).Distinct(StringComparer.Ordinal);
}

/// <summary>Reads the file and applies SOURCE.md's filter and split.</summary>
public sealed class RetailData
{
    public static readonly DateTime SplitAt = new(2011, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    public required IReadOnlyList<Invoice> Warmup { get; init; }
    public required IReadOnlyList<Invoice> Replay { get; init; }
    public required int RowsRead { get; init; }
    public required int LinesKept { get; init; }

    /// <summary>Every item of the file with its most frequent description and median unit price.</summary>
    public required IReadOnlyDictionary<string, (string Description, decimal Price)> Catalogue { get; init; }

    public int WarmupLines => Warmup.Sum(i => i.Lines.Count);

    public static RetailData Load(string path)
    {
        var lines = new List<Line>();
        var rows = 0;
        using (var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress)))
        {
            reader.ReadLine();
            while (reader.ReadLine() is { } text)
            {
                rows++;
                var f = SplitCsv(text);
                var (invoice, code, description, quantity, date, price, customer) = (f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
                if (customer.Length == 0 || !code.Any(char.IsAsciiDigit))
                {
                    continue;
                }
                var q = int.Parse(quantity, CultureInfo.InvariantCulture);
                var p = decimal.Parse(price, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (q <= 0 || p <= 0)
                {
                    continue;
                }
                var at = DateTime.SpecifyKind(DateTime.ParseExact(date, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), DateTimeKind.Utc);
                var id = customer.EndsWith(".0", StringComparison.Ordinal) ? customer[..^2] : customer;
                lines.Add(new Line(invoice, code, description.Trim(), q, at, p, id));
            }
        }

        // Invoices keep file order within a time; a stable sort by time gives the replay order.
        var invoices = lines.GroupBy(l => l.InvoiceNo)
            .Select(g => new Invoice(g.Key, g.First().CustomerId, g.Min(l => l.At), g.ToList()))
            .OrderBy(i => i.At)
            .ToList();
        var catalogue = lines.GroupBy(l => l.StockCode).ToDictionary(
            g => g.Key,
            g =>
            {
                var description = g.Where(l => l.Description.Length > 0).GroupBy(l => l.Description)
                    .OrderByDescending(d => d.Count()).ThenBy(d => d.Key, StringComparer.Ordinal).Select(d => d.Key).FirstOrDefault() ?? g.Key;
                var prices = g.Select(l => l.UnitPrice).Order().ToList();
                return (description, prices[prices.Count / 2]);
            },
            StringComparer.Ordinal);
        return new RetailData
        {
            Warmup = invoices.Where(i => i.At < SplitAt).ToList(),
            Replay = invoices.Where(i => i.At >= SplitAt).ToList(),
            RowsRead = rows,
            LinesKept = lines.Count,
            Catalogue = catalogue,
        };
    }

    /// <summary>The category the replay gives an item: the last word of its description (the noun: HOLDER, BAG, MUG ...).</summary>
    public static string CategoryOf(string description)
    {
        var words = description.Split([' ', ',', '.', '/', '+', '&'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Any(char.IsAsciiLetter) && !w.Any(char.IsAsciiDigit)).ToArray();
        return words.Length == 0 ? "other" : words[^1].ToLowerInvariant();
    }

    private static string[] SplitCsv(string text)
    {
        var fields = new List<string>(8);
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { current.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else { current.Append(c); }
        }
        fields.Add(current.ToString());
        return [.. fields];
    }
}

using System.Text;

namespace Palisade.Probe;

/// <summary>
/// The status line and header fields of an HTTP/1.x response (RFC 9112 §4, §5), as whatever answered the probe sent
/// them: at most <see cref="MaxLength"/> bytes and <see cref="MaxFields"/> fields, field values taken as Latin-1.
/// </summary>
public sealed class HttpHead
{
    /// <summary>Longest head read, in bytes.</summary>
    public const int MaxLength = 16 * 1024;

    /// <summary>Most header fields read.</summary>
    public const int MaxFields = 128;

    private HttpHead(int status, List<(string Name, string Value)> fields, int length)
    {
        Status = status;
        Fields = fields;
        Length = length;
    }

    /// <summary>The status code.</summary>
    public int Status { get; }

    /// <summary>The header fields in order.</summary>
    public IReadOnlyList<(string Name, string Value)> Fields { get; }

    /// <summary>The head's length including the empty line that ends it; the body starts there.</summary>
    public int Length { get; }

    /// <summary>The first value of a field, by case-insensitive name; null when absent.</summary>
    public string? this[string name] => Fields.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The offset just past the empty line that ends the head in <paramref name="data"/>; -1 when it has not
    /// arrived yet.</summary>
    public static int FindEnd(ReadOnlySpan<byte> data)
    {
        int end = data.IndexOf("\r\n\r\n"u8);
        return end < 0 ? -1 : end + 4;
    }

    /// <summary>Parses a complete head (through its empty line).</summary>
    /// <exception cref="FormatException">It is not an HTTP/1.x response head; the message says what is wrong.</exception>
    public static HttpHead Parse(ReadOnlySpan<byte> data)
    {
        int end = FindEnd(data);
        if (end < 0)
        {
            throw new FormatException(data.Length >= MaxLength ? $"the response head is longer than {MaxLength} bytes" : "the response head is truncated (no empty line)");
        }

        if (end > MaxLength)
        {
            throw new FormatException($"the response head is longer than {MaxLength} bytes");
        }

        string text = Encoding.Latin1.GetString(data[..(end - 4)]);
        string[] lines = text.Split("\r\n");
        string statusLine = lines[0];
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (!statusLine.StartsWith("HTTP/1.", StringComparison.Ordinal) || statusLine.Length < 12 || statusLine[8] != ' '
            || !int.TryParse(statusLine.AsSpan(9, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int status)
            || (statusLine.Length > 12 && statusLine[12] != ' ') || status < 100)
        {
            throw new FormatException($"'{Shorten(statusLine)}' is not an HTTP/1.x status line");
        }

        if (lines.Length - 1 > MaxFields)
        {
            throw new FormatException($"the response has more than {MaxFields} header fields");
        }

        var fields = new List<(string, string)>(lines.Length - 1);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line.AsSpan(0, colon).ContainsAny(" \t"))
            {
                throw new FormatException($"'{Shorten(line)}' is not a header field");
            }

            fields.Add((line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        return new HttpHead(status, fields, end);
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}

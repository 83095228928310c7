using System.Globalization;
using System.Text;
using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>
/// Reads block lists into decisions: hosts files, plain target lists, RPZ zones, CSV, and both public forms of the
/// Russian register. Every value goes through the core canonicalisers; what does not parse is refused with the line
/// and the rule, never guessed at.
/// </summary>
public static class ListImporter
{
    /// <summary>Longest line read from a text source.</summary>
    public const int MaxLineLength = 64 * 1024;

    private static readonly HashSet<string> s_hostsBoilerplate = new(StringComparer.OrdinalIgnoreCase)
    {
        "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost", "ip6-loopback", "ip6-localnet",
        "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
    };

    /// <summary>Parses a format name as the command line spells it (<c>rkn-xml</c>, <c>hosts</c> …).</summary>
    public static bool TryParseFormat(string text, out ImportFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        format = default;
        return text.All(c => char.IsAsciiLetterLower(c) || c == '-')
            && Enum.TryParse(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out format) && Enum.IsDefined(format);
    }

    /// <summary>Reads a source.</summary>
    /// <param name="source">The bytes (UTF-8, except the Russian formats, which are windows-1251 unless the XML declares otherwise).</param>
    /// <param name="format">The format.</param>
    /// <param name="zone">For RPZ: the zone's origin when the file has no <c>$ORIGIN</c>.</param>
    /// <param name="progress">Reports the number of values read, every 100,000.</param>
    /// <exception cref="FormatException">The source as a whole is not of the format (no CSV header, XML that is not a register).</exception>
    public static ImportResult Read(Stream source, ImportFormat format, string? zone = null, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var builder = new ImportBuilder(progress);
        switch (format)
        {
            case ImportFormat.RknXml:
                RknImporter.ReadXml(source, builder);
                break;
            case ImportFormat.RknCsv:
                RknImporter.ReadCsv(Lines(source, RknImporter.Cp1251), builder);
                break;
            case ImportFormat.Hosts:
                ReadHosts(Lines(source, Encoding.UTF8), builder);
                break;
            case ImportFormat.Domains:
                ReadDomains(Lines(source, Encoding.UTF8), builder);
                break;
            case ImportFormat.Rpz:
                RpzImporter.Read(Lines(source, Encoding.UTF8), zone, builder);
                break;
            case ImportFormat.Csv:
                ReadCsv(Lines(source, Encoding.UTF8), builder);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format));
        }

        return builder.Result;
    }

    internal static IEnumerable<(long Number, string Text)> Lines(Stream source, Encoding encoding)
    {
        using var reader = new StreamReader(source, encoding, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        long number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length > MaxLineLength)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {number} is longer than {MaxLineLength} characters"));
            }

            yield return (number, line);
        }
    }

    private static void ReadHosts(IEnumerable<(long Number, string Text)> lines, ImportBuilder builder)
    {
        foreach ((long number, string text) in lines)
        {
            string[] fields = StripComment(text, '#').Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            if (!System.Net.IPAddress.TryParse(fields[0], out _))
            {
                builder.Reject(number, text, $"a hosts line starts with an address, not '{fields[0]}'");
                continue;
            }

            foreach (string name in fields.Skip(1))
            {
                if (s_hostsBoilerplate.Contains(name))
                {
                    continue;
                }

                // A hosts file names single hosts: a '*' or a URL is not a host name.
                if (name.Contains('*', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal))
                {
                    builder.Reject(number, name, "a hosts file lists host names only");
                    continue;
                }

                builder.Add(number, name);
            }
        }
    }

    private static void ReadDomains(IEnumerable<(long Number, string Text)> lines, ImportBuilder builder)
    {
        foreach ((long number, string text) in lines)
        {
            string value = StripComment(text, '#').Trim();
            if (value.Length > 0 && !value.StartsWith('!'))
            {
                builder.Add(number, value);
            }
        }
    }

    private static void ReadCsv(IEnumerable<(long Number, string Text)> lines, ImportBuilder builder)
    {
        int target = -1, reference = -1, decision = -1, date = -1;
        bool header = true;
        foreach ((long number, string text) in lines)
        {
            if (text.Length == 0)
            {
                continue;
            }

            List<string>? fields = SplitCsv(text);
            if (fields is null)
            {
                if (header)
                {
                    throw new FormatException($"line {number}: the CSV header is not valid CSV");
                }

                builder.Reject(number, text, "an unterminated quoted field (RFC 4180)");
                continue;
            }

            if (header)
            {
                target = fields.FindIndex(f => f.Trim().Equals("target", StringComparison.OrdinalIgnoreCase));
                reference = fields.FindIndex(f => f.Trim().Equals("reference", StringComparison.OrdinalIgnoreCase));
                decision = fields.FindIndex(f => f.Trim().Equals("decision", StringComparison.OrdinalIgnoreCase));
                date = fields.FindIndex(f => f.Trim().Equals("decisionDate", StringComparison.OrdinalIgnoreCase));
                if (target < 0)
                {
                    throw new FormatException($"line {number}: the CSV header names no 'target' column (found: {string.Join(", ", fields)})");
                }

                header = false;
                continue;
            }

            if (target >= fields.Count)
            {
                builder.Reject(number, text, "the row has no target column");
                continue;
            }

            // A reference authority/decision (as the export writes it) names the decision after the first '/'.
            string? decisionNumber = decision >= 0 && decision < fields.Count && fields[decision].Length > 0 ? fields[decision]
                : reference >= 0 && reference < fields.Count && fields[reference].Contains('/', StringComparison.Ordinal) ? fields[reference][(fields[reference].IndexOf('/', StringComparison.Ordinal) + 1)..]
                : null;
            builder.Add(number, fields[target].Trim(), decisionNumber, date >= 0 && date < fields.Count && fields[date].Length > 0 ? fields[date] : null);
        }

        if (header)
        {
            throw new FormatException("the CSV is empty: it needs a header naming a 'target' column");
        }
    }

    /// <summary>RFC 4180 fields of one line; null when a quoted field does not end on the line.</summary>
    internal static List<string>? SplitCsv(string line, char separator = ',')
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            return null;
        }

        fields.Add(field.ToString());
        return fields;
    }

    private static string StripComment(string line, char marker)
    {
        int at = line.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? line : line[..at];
    }
}

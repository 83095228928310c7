using System.Globalization;
using System.Text;
using System.Xml;
using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>
/// The two public forms of Russia's unified register: the operator dump (<c>dump.xml</c>, format 2.4) and its
/// community CSV mirror. Each decision becomes one order with its number, date and issuing body. Only what the entry's
/// block type orders is imported: a URL entry blocks its URLs, a domain entry its name, a domain-mask entry the names
/// below it, an ip entry its addresses. The addresses the dump records beside URL and domain entries are where the site
/// resolved at the time — importing them is how the 2018 Telegram block took down millions of unrelated addresses — so
/// they are skipped, with the reason.
/// </summary>
internal static class RknImporter
{
    private const string ResolvedAddress = "an address recorded beside a URL or domain entry (where the site resolved), not an ordered target";

    static RknImporter() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Encoding Cp1251 => Encoding.GetEncoding(1251);

    /// <summary>The most characters of one value (a URL, a domain, an address) read from a dump; a longer one is
    /// rejected, and only its first <see cref="RejectedPrefixChars"/> characters are kept for the report.</summary>
    public const int MaxValueChars = 64 * 1024;

    /// <summary>How much of an over-long value a rejection quotes.</summary>
    public const int RejectedPrefixChars = 200;

    public static void ReadXml(Stream source, ImportBuilder builder)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreWhitespace = true,
            IgnoreComments = true,
            CloseInput = false,
        };

        // The dump declares windows-1251; a reader without a declaration gets it too.
        using var reader = XmlReader.Create(new StreamReader(source, Cp1251, detectEncodingFromByteOrderMarks: true, leaveOpen: true), settings);
        var lineInfo = (IXmlLineInfo)reader;
        bool register = false;
        try
        {
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (reader.LocalName == "register")
                {
                    register = true;
                    string? version = reader.GetAttribute("formatVersion");
                    if (version is not null && !version.StartsWith('2'))
                    {
                        throw new FormatException($"line {lineInfo.LineNumber}: register formatVersion {version} is not 2.x");
                    }
                }
                else if (reader.LocalName == "content" && register)
                {
                    ReadContent(reader.ReadSubtree(), lineInfo.LineNumber, reader.GetAttribute("blockType"), builder);
                }
            }
        }
        catch (XmlException e)
        {
            throw new FormatException($"line {e.LineNumber}: the dump is not well-formed XML: {e.Message}", e);
        }

        if (!register)
        {
            throw new FormatException("the file holds no <reg:register> element: it is not a register dump");
        }
    }

    private static void ReadContent(XmlReader content, long line, string? blockType, ImportBuilder builder)
    {
        string? number = null, date = null, org = null;
        var values = new List<(string Kind, string Value)>();
        using (content)
        {
            content.Read();
            content.Read();
            while (!content.EOF)
            {
                if (content.NodeType == XmlNodeType.Element && content.LocalName is "url" or "domain" or "ip" or "ipSubnet" or "ipv6" or "ipv6Subnet")
                {
                    // Reading the text moves past the element's end, onto the next node. The text is read in chunks and
                    // kept only up to MaxValueChars, so one enormous value costs a bounded amount of memory.
                    string kind = content.LocalName;
                    (string value, long length) = ReadValue(content);
                    if (length > MaxValueChars)
                    {
                        builder.Reject(line, value[..Math.Min(value.Length, RejectedPrefixChars)] + "…",
                            $"a <{kind}> value has {length} characters; a value holds at most {MaxValueChars}");
                    }
                    else
                    {
                        values.Add((kind, value.Trim()));
                    }

                    continue;
                }

                if (content.NodeType == XmlNodeType.Element && content.LocalName == "decision")
                {
                    (number, date, org) = (content.GetAttribute("number"), content.GetAttribute("date"), content.GetAttribute("org"));
                }

                content.Read();
            }
        }

        AddDecision(builder, line, blockType ?? "default", number, date, org, values);
    }

    /// <summary>Reads a text-only element at the reader, keeping at most <see cref="MaxValueChars"/> of its characters;
    /// returns them and the text's whole length, and leaves the reader on the node after the element.</summary>
    private static (string Value, long Length) ReadValue(XmlReader element)
    {
        if (element.IsEmptyElement)
        {
            element.Read();
            return ("", 0);
        }

        element.Read();
        var text = new StringBuilder();
        char[] chunk = new char[4096];
        long length = 0;
        while (element.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
        {
            int read;
            while ((read = element.ReadValueChunk(chunk, 0, chunk.Length)) > 0)
            {
                length += read;
                if (text.Length < MaxValueChars + 1)
                {
                    text.Append(chunk, 0, Math.Min(read, MaxValueChars + 1 - text.Length));
                }
            }

            element.Read();
        }

        if (element.NodeType != XmlNodeType.EndElement)
        {
            throw new XmlException($"a value element holds a <{element.LocalName}> element, not text");
        }

        element.Read();
        return (text.ToString(), length);
    }

    public static void ReadCsv(IEnumerable<(long Number, string Text)> lines, ImportBuilder builder)
    {
        foreach ((long number, string text) in lines)
        {
            if (text.Length == 0 || (number == 1 && text.StartsWith("Updated", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            string[] fields = text.Split(';');
            if (fields.Length < 6)
            {
                builder.Reject(number, text, "a line is IPs;domain;URL;authority;decision number;date");
                continue;
            }

            // A URL may itself hold ';': everything between the domain and the last three fields is the URL field.
            var values = new List<(string Kind, string Value)>();
            values.AddRange(Split(fields[0]).Select(ip => ("ip", ip)));
            values.AddRange(Split(fields[1]).Select(domain => ("domain", domain)));
            values.AddRange(Split(string.Join(';', fields[2..^3])).Select(url => ("url", url)));
            bool hasUrl = values.Any(v => v.Kind == "url");
            bool hasDomain = values.Any(v => v.Kind == "domain");
            string blockType = hasUrl ? "default" : hasDomain ? (values.Any(v => v.Kind == "domain" && v.Value.StartsWith("*.", StringComparison.Ordinal)) ? "domain-mask" : "domain") : "ip";
            AddDecision(builder, number, blockType, fields[^2].Trim(), fields[^1].Trim(), fields[^3].Trim(), values);
        }
    }

    private static IEnumerable<string> Split(string field) =>
        field.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void AddDecision(ImportBuilder builder, long line, string blockType, string? number, string? date, string? org, List<(string Kind, string Value)> values)
    {
        if (string.IsNullOrWhiteSpace(number))
        {
            builder.Reject(line, string.Join(' ', values.Select(v => v.Value)), "the entry has no decision number");
            return;
        }

        if (date is not null && DateOnly.TryParse(date.AsSpan(0, Math.Min(10, date.Length)), CultureInfo.InvariantCulture, out DateOnly day))
        {
            date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
        else
        {
            date = null;
        }

        bool hasUrl = values.Any(v => v.Kind == "url");
        foreach ((string kind, string value) in values)
        {
            bool ordered = blockType switch
            {
                "default" => kind == "url" || (kind == "domain" && !hasUrl),
                "domain" or "domain-mask" => kind == "domain",
                "ip" => kind is "ip" or "ipSubnet" or "ipv6" or "ipv6Subnet",
                _ => false,
            };
            if (blockType is not ("default" or "domain" or "domain-mask" or "ip"))
            {
                builder.Reject(line, value, $"the block type '{blockType}' is not one of default, domain, domain-mask, ip");
            }
            else if (!ordered)
            {
                builder.Skip(line, value, kind is "url" or "domain" ? $"a {kind} listed in a {blockType} entry" : ResolvedAddress);
            }
            else if (blockType == "domain-mask" && !value.StartsWith("*.", StringComparison.Ordinal))
            {
                builder.Reject(line, value, "a domain-mask entry names *.domain");
            }
            else
            {
                builder.Add(line, value, number.Trim(), date, org);
            }
        }
    }
}

using System.Globalization;
using System.Net;
using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>
/// Reads the triggers of an RPZ zone file (draft-vixie-dnsop-dns-rpz): QNAME triggers become names and patterns,
/// <c>rpz-ip</c> triggers prefixes. Exceptions (<c>CNAME rpz-passthru.</c>) and triggers on name servers or clients
/// are not targets and are skipped, with the reason.
/// </summary>
internal static class RpzImporter
{
    public static void Read(IEnumerable<(long Number, string Text)> lines, string? zone, ImportBuilder builder)
    {
        string origin = (zone ?? "").TrimEnd('.').ToLowerInvariant();
        string? owner = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((long number, string text) in Records(lines))
        {
            string[] fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields[0].StartsWith('$'))
            {
                switch (fields[0].ToUpperInvariant())
                {
                    case "$ORIGIN" when fields.Length > 1:
                        origin = fields[1].TrimEnd('.').ToLowerInvariant();
                        break;
                    case "$TTL":
                        break;
                    default:
                        builder.Reject(number, text, $"the directive {fields[0]} is not supported in an imported zone");
                        break;
                }

                continue;
            }

            int next = 0;
            if (!char.IsWhiteSpace(text[0]))
            {
                owner = fields[next++];
            }

            // Skip the optional TTL and class to reach the type.
            while (next < fields.Length && (fields[next].All(char.IsAsciiDigit) || fields[next] is "IN" or "in" or "CH" or "HS"))
            {
                next++;
            }

            if (owner is null || next >= fields.Length)
            {
                builder.Reject(number, text, "a record needs an owner name and a type");
                continue;
            }

            string type = fields[next].ToUpperInvariant();
            string rdata = next + 1 < fields.Length ? fields[next + 1] : "";
            if (type is "SOA" or "NS")
            {
                continue;
            }

            string? relative = Relative(owner, origin);
            if (relative is null)
            {
                builder.Reject(number, owner, $"the owner is not inside the zone {origin}");
                continue;
            }

            if (relative.Length == 0)
            {
                continue;
            }

            if (type == "CNAME" && rdata.Equals("rpz-passthru.", StringComparison.OrdinalIgnoreCase))
            {
                builder.Skip(number, relative, "rpz-passthru is an exception to blocking, not a block");
                continue;
            }

            if (!seen.Add(relative))
            {
                continue;
            }

            string lower = relative.ToLowerInvariant();
            if (lower.EndsWith(".rpz-ip", StringComparison.Ordinal))
            {
                if (TryParseRpzIp(lower[..^".rpz-ip".Length], out string? prefix, out string? error))
                {
                    builder.Add(number, prefix);
                }
                else
                {
                    builder.Reject(number, relative, error);
                }
            }
            else if (lower.EndsWith(".rpz-nsdname", StringComparison.Ordinal) || lower.EndsWith(".rpz-nsip", StringComparison.Ordinal)
                || lower.EndsWith(".rpz-client-ip", StringComparison.Ordinal))
            {
                builder.Skip(number, relative, "triggers on name servers or clients are not targets of an order");
            }
            else
            {
                builder.Add(number, relative);
            }
        }
    }

    /// <summary>The owner relative to the origin: "" for the apex, null when outside the zone.</summary>
    private static string? Relative(string owner, string origin)
    {
        if (owner == "@")
        {
            return "";
        }

        if (!owner.EndsWith('.'))
        {
            return owner;
        }

        string absolute = owner.TrimEnd('.');
        if (absolute.Equals(origin, StringComparison.OrdinalIgnoreCase))
        {
            return "";
        }

        return origin.Length > 0 && absolute.EndsWith("." + origin, StringComparison.OrdinalIgnoreCase) ? absolute[..^(origin.Length + 1)]
            : origin.Length == 0 ? absolute
            : null;
    }

    /// <summary>Reverses an rpz-ip trigger (<c>20.0.160.154.149</c>, <c>48.zz.4e8.67c.2001</c>) into a prefix.</summary>
    internal static bool TryParseRpzIp(string trigger, out string prefix, out string error)
    {
        prefix = "";
        string[] labels = trigger.Split('.');
        if (labels.Length < 2 || !int.TryParse(labels[0], NumberStyles.None, CultureInfo.InvariantCulture, out int length))
        {
            error = "an rpz-ip trigger starts with the prefix length";
            return false;
        }

        string[] address = labels[1..];
        Array.Reverse(address);
        string text;
        if (address.Length == 4 && !address.Contains("zz"))
        {
            text = string.Join('.', address);
        }
        else
        {
            int zz = Array.IndexOf(address, "zz");
            text = zz < 0 ? string.Join(':', address)
                : string.Join(':', address[..zz]) + "::" + string.Join(':', address[(zz + 1)..]);
        }

        if (!IPAddress.TryParse(text, out IPAddress? parsed) || text.Contains('%', StringComparison.Ordinal))
        {
            error = $"'{text}' (from the rpz-ip trigger) is not an address";
            return false;
        }

        prefix = string.Create(CultureInfo.InvariantCulture, $"{parsed}/{length}");
        error = "";
        return true;
    }

    /// <summary>Lines with comments removed and parenthesised continuations joined (RFC 1035 §5.1).</summary>
    private static IEnumerable<(long Number, string Text)> Records(IEnumerable<(long Number, string Text)> lines)
    {
        string? pending = null;
        long start = 0;
        foreach ((long number, string raw) in lines)
        {
            int comment = raw.IndexOf(';', StringComparison.Ordinal);
            string text = comment < 0 ? raw : raw[..comment];
            if (pending is not null)
            {
                pending += " " + text;
                if (text.Contains(')', StringComparison.Ordinal))
                {
                    yield return (start, pending.Replace("(", " ", StringComparison.Ordinal).Replace(")", " ", StringComparison.Ordinal));
                    pending = null;
                }

                continue;
            }

            if (text.Contains('(', StringComparison.Ordinal) && !text.Contains(')', StringComparison.Ordinal))
            {
                (pending, start) = (text, number);
                continue;
            }

            if (text.Trim().Length > 0)
            {
                yield return (number, text.Replace("(", " ", StringComparison.Ordinal).Replace(")", " ", StringComparison.Ordinal));
            }
        }
    }
}

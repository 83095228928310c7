using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Palisade.Policy;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Formats;

/// <summary>
/// Writes the entries of a registry version in the formats operators' tools read. Each format says exactly what the
/// orders say where it can; what a format cannot express (a URL in a DNS zone, a wildcard in a hosts file) is left out
/// and counted in a comment rather than widened, because blocking more than was ordered is the failure this project
/// exists to prevent.
/// </summary>
public static class PolicyExporter
{
    /// <summary>Writes <paramref name="entries"/> (one registry version, usually filtered to what is active now).</summary>
    /// <returns>How many entries the format could not express and left out.</returns>
    public static int Write(TextWriter writer, ExportFormat format, PolicyBundle bundle, IReadOnlyList<BundleEntry> entries, ExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(entries);
        options ??= new ExportOptions();
        List<Target> targets = Group(entries);
        return format switch
        {
            ExportFormat.Rpz => WriteRpz(writer, bundle, targets, options),
            ExportFormat.Hosts => WriteHosts(writer, bundle, targets),
            ExportFormat.Dnsmasq => WriteDnsmasq(writer, bundle, targets),
            ExportFormat.Nftables => WriteNftables(writer, bundle, targets),
            ExportFormat.Abp => WriteAbp(writer, bundle, targets),
            ExportFormat.Csv => WriteCsv(writer, entries),
            ExportFormat.Delisting => WriteDelisting(writer, entries, options),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    /// <summary>Parses a format name as the command line spells it.</summary>
    public static bool TryParseFormat(string text, out ExportFormat format) =>
        Enum.TryParse(text, ignoreCase: true, out format) && Enum.IsDefined(format) && text.All(char.IsLetter);

    private static int WriteRpz(TextWriter writer, PolicyBundle bundle, List<Target> targets, ExportOptions options)
    {
        string zone = options.Zone.TrimEnd('.');
        string action = options.BlockPage is null ? "." : options.BlockPage.TrimEnd('.') + ".";
        string ttl = options.Ttl.ToString(CultureInfo.InvariantCulture);
        Header(writer, ";", bundle);
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"; action: {(options.BlockPage is null ? "NXDOMAIN (CNAME .)" : "CNAME to the block page " + action)}\n"));
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"$ORIGIN {zone}.\n$TTL {ttl}\n"));
        // The serial is the registry version, so resolvers following the zone see each version once (RFC 1982 arithmetic).
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"@ SOA localhost. hostmaster.localhost. {(uint)bundle.Version} 3600 600 604800 {ttl}\n@ NS localhost.\n"));
        int skipped = 0;
        foreach (Target target in targets)
        {
            string? owner = target.Kind switch
            {
                TargetKind.Domain or TargetKind.Pattern => target.Value,
                TargetKind.Prefix => RpzIpOwner(IpPrefix.Parse(target.Value)),
                _ => null,
            };
            if (owner is null)
            {
                skipped++;
                continue;
            }

            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{owner} CNAME {action} ; {target.References}\n"));
        }

        writer.Write(string.Create(CultureInfo.InvariantCulture, $"; {skipped} URL targets are not expressible in a DNS zone and are not listed\n"));
        return skipped;
    }

    /// <summary>The rpz-ip trigger owner of a prefix: the length, then the address in reverse label order; IPv6 in
    /// 16-bit hexadecimal groups with the longest run of zero groups written "zz" (draft-vixie-dnsop-dns-rpz §4.1.1).</summary>
    public static string RpzIpOwner(IpPrefix prefix)
    {
        var labels = new List<string> { prefix.PrefixLength.ToString(CultureInfo.InvariantCulture) };
        if (!prefix.IsIPv6)
        {
            uint bits = (uint)prefix.NetworkBits;
            for (int shift = 0; shift < 32; shift += 8)
            {
                labels.Add(((bits >> shift) & 0xFF).ToString(CultureInfo.InvariantCulture));
            }
        }
        else
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, prefix.NetworkBits);
            var groups = new int[8];
            for (int i = 0; i < 8; i++)
            {
                groups[i] = BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]);
            }

            (int runStart, int runLength) = LongestZeroRun(groups);
            for (int i = 7; i >= 0; i--)
            {
                if (runLength > 1 && i >= runStart && i < runStart + runLength)
                {
                    if (i == runStart)
                    {
                        labels.Add("zz");
                    }

                    continue;
                }

                labels.Add(groups[i].ToString("x", CultureInfo.InvariantCulture));
            }
        }

        return string.Join('.', labels) + ".rpz-ip";
    }

    private static (int Start, int Length) LongestZeroRun(int[] groups)
    {
        (int start, int length) = (-1, 0);
        for (int i = 0; i < groups.Length;)
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }

            int j = i;
            while (j < groups.Length && groups[j] == 0)
            {
                j++;
            }

            if (j - i > length)
            {
                (start, length) = (i, j - i);
            }

            i = j;
        }

        return (start, length);
    }

    private static int WriteHosts(TextWriter writer, PolicyBundle bundle, List<Target> targets)
    {
        Header(writer, "#", bundle);
        int skipped = 0;
        foreach (Target target in targets)
        {
            if (target.Kind != TargetKind.Domain)
            {
                skipped++;
                continue;
            }

            writer.Write(string.Create(CultureInfo.InvariantCulture, $"0.0.0.0 {target.Value} # {target.References}\n"));
        }

        writer.Write(string.Create(CultureInfo.InvariantCulture, $"# {skipped} wildcard, URL and IP targets are not expressible in a hosts file and are not listed\n"));
        return skipped;
    }

    private static int WriteDnsmasq(TextWriter writer, PolicyBundle bundle, List<Target> targets)
    {
        Header(writer, "#", bundle);
        writer.Write("# Exact names answer the unspecified address (host-record: that name only); *.name patterns answer\n# NXDOMAIN for names strictly below (address=/*.name/).\n");
        int skipped = 0;
        foreach (Target target in targets)
        {
            string? line = target.Kind switch
            {
                TargetKind.Domain => $"host-record={target.Value},0.0.0.0,::",
                TargetKind.Pattern => $"address=/{target.Value}/",
                _ => null,
            };
            if (line is null)
            {
                skipped++;
                continue;
            }

            writer.Write(string.Create(CultureInfo.InvariantCulture, $"# {target.References}\n{line}\n"));
        }

        writer.Write(string.Create(CultureInfo.InvariantCulture, $"# {skipped} URL and IP targets are not expressible in dnsmasq and are not listed\n"));
        return skipped;
    }

    private static int WriteNftables(TextWriter writer, PolicyBundle bundle, List<Target> targets)
    {
        Header(writer, "#", bundle);
        var v4 = new List<string>();
        var v6 = new List<string>();
        foreach (Target target in targets)
        {
            if (target.Kind == TargetKind.Prefix)
            {
                IpPrefix prefix = IpPrefix.Parse(target.Value);
                string element = prefix.IsHost ? prefix.BaseAddress.ToString() : target.Value;
                (prefix.IsIPv6 ? v6 : v4).Add(element);
            }
        }

        NftablesText.WriteFile(writer, v4, v6);
        return targets.Count - v4.Count - v6.Count;
    }

    private static int WriteAbp(TextWriter writer, PolicyBundle bundle, List<Target> targets)
    {
        writer.Write("[Adblock Plus 2.0]\n");
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"! Title: Palisade registry {bundle.Registry}\n! Version: {bundle.Version}\n"));
        Header(writer, "!", bundle);
        int skipped = 0;
        foreach (Target target in targets)
        {
            IpPrefix prefix = default;
            string? rules = target.Kind switch
            {
                // '^' is a separator (end, '/', ':', '?'): the host itself, not names that merely start with it.
                TargetKind.Domain => $"|http://{target.Value}^\n|https://{target.Value}^",
                TargetKind.Pattern => $"/^https?:\\/\\/[^\\/?#@]+\\.{EscapeRegex(target.Value[2..])}(?:[:\\/?#]|$)/",
                TargetKind.Url => target.Value.EndsWith('/') ? $"|{target.Value}" : $"|{target.Value}|",
                TargetKind.Prefix when IpPrefix.TryParse(target.Value, out prefix) && prefix.IsHost =>
                    prefix.IsIPv6 ? $"|http://[{prefix.BaseAddress}]^\n|https://[{prefix.BaseAddress}]^" : $"|http://{prefix.BaseAddress}^\n|https://{prefix.BaseAddress}^",
                _ => null,
            };
            if (rules is null)
            {
                skipped++;
                continue;
            }

            writer.Write(string.Create(CultureInfo.InvariantCulture, $"! {target.References}\n{rules}\n"));
        }

        writer.Write(string.Create(CultureInfo.InvariantCulture, $"! {skipped} IP prefixes wider than one host are not expressible as URL filters and are not listed\n"));
        return skipped;
    }

    private static string EscapeRegex(string name) => name.Replace(".", "\\.", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);

    private static int WriteCsv(TextWriter writer, IReadOnlyList<BundleEntry> entries)
    {
        writer.Write("target,kind,reference,authority,category,effective,expires\r\n");
        foreach (BundleEntry entry in entries)
        {
            PolicyOrder order = entry.Order;
            writer.Write(string.Join(',',
                Csv(entry.Target), OrderTarget.KindNameOf(entry.Kind), Csv(order.Reference), Csv(order.Authority), Csv(order.Category),
                LogTime.Format(order.EffectiveMs), order.ExpiresMs is { } expires ? LogTime.Format(expires) : ""));
            writer.Write("\r\n");
        }

        return 0;
    }

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.</summary>
    public static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static int WriteDelisting(TextWriter writer, IReadOnlyList<BundleEntry> entries, ExportOptions options)
    {
        int skipped = 0;
        var buffer = new MemoryStream();
        foreach (BundleEntry entry in entries)
        {
            TargetKind kind = entry.Kind;
            if (kind == TargetKind.Prefix)
            {
                skipped++;
                continue;
            }

            buffer.SetLength(0);
            // Decision numbers are often Cyrillic or Greek: keep them readable rather than \u-escaped.
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteString("target", entry.Target);
                json.WriteString("kind", OrderTarget.KindNameOf(kind));
                json.WriteString("order", entry.Order.Reference);
                if (options.Registry is not null)
                {
                    json.WriteString("orderUrl", entry.Order.PageUrl(options.Registry));
                }

                json.WriteString("category", entry.Order.Category);
                json.WriteString("effective", LogTime.Format(entry.Order.EffectiveMs));
                if (entry.Order.ExpiresMs is { } expires)
                {
                    json.WriteString("expires", LogTime.Format(expires));
                }
                else
                {
                    json.WriteNull("expires");
                }

                json.WriteEndObject();
            }

            writer.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            writer.Write('\n');
        }

        return skipped;
    }

    private static void Header(TextWriter writer, string comment, PolicyBundle bundle) =>
        writer.Write(string.Create(CultureInfo.InvariantCulture,
            $"{comment} Palisade registry {bundle.Registry}, version {bundle.Version}, log size {bundle.LogSize}, root {Convert.ToBase64String(bundle.LogRoot)}\n" +
            $"{comment} Every entry names the orders behind it; the orders and their legal basis are public in the registry.\n"));

    /// <summary>Targets with every order naming them (bundle entries of one target are adjacent).</summary>
    private static List<Target> Group(IReadOnlyList<BundleEntry> entries)
    {
        var targets = new List<Target>();
        for (int i = 0; i < entries.Count;)
        {
            string value = entries[i].Target;
            var references = new StringBuilder(entries[i].Order.Reference);
            int j = i + 1;
            for (; j < entries.Count && entries[j].Target == value; j++)
            {
                references.Append(' ').Append(entries[j].Order.Reference);
            }

            targets.Add(new Target(value, entries[i].Kind, references.ToString()));
            i = j;
        }

        return targets;
    }

    private readonly record struct Target(string Value, TargetKind Kind, string References);
}

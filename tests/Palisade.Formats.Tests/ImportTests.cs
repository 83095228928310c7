using System.Text;
using Palisade.Formats;
using Palisade.Policy;

namespace Palisade.Formats.Tests;

/// <summary>Importers for every list format, from fixtures written by hand from each format's description.</summary>
public sealed class ImportTests
{
    static ImportTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static ImportResult Read(string text, ImportFormat format, Encoding? encoding = null, string? zone = null) =>
        ListImporter.Read(new MemoryStream((encoding ?? Encoding.UTF8).GetBytes(text)), format, zone);

    [Fact]
    public void RknXml_OneEnormousValue_RejectedWithAPrefix_TheRestImported()
    {
        string huge = "http://huge.example/" + new string('a', 3 * RknImporter.MaxValueChars);
        string dump = $"""
            <?xml version="1.0" encoding="windows-1251"?>
            <reg:register formatVersion="2.4" xmlns:reg="http://rsoc.ru">
            <content id="1" entryType="1" hash="A1">
                <decision date="2019-01-09" number="HUGE-1" org="court"/>
                <url><![CDATA[{huge}]]></url>
                <domain>kept.example</domain>
            </content>
            </reg:register>
            """;
        ImportResult result = Read(dump, ImportFormat.RknXml, Encoding.GetEncoding(1251));
        ImportRejection rejected = Assert.Single(result.Rejected);
        Assert.Contains($"has {huge.Length} characters; a value holds at most {RknImporter.MaxValueChars}", rejected.Reason, StringComparison.Ordinal);
        Assert.True(rejected.Value.Length <= RknImporter.RejectedPrefixChars + 1, $"the rejection quotes {rejected.Value.Length} characters");
        Assert.StartsWith("http://huge.example/aaa", rejected.Value, StringComparison.Ordinal);
        Assert.Equal(["kept.example"], Assert.Single(result.Orders).Targets);
    }

    [Fact]
    public void RknXml_EachDecisionBecomesOneOrderWithOnlyItsOrderedTargets()
    {
        ImportResult result = Read(RknFixtures.RknXml, ImportFormat.RknXml, Encoding.GetEncoding(1251));
        Assert.Equal(2, result.Orders.Count);
        ImportedOrder telegram = result.Orders[0];
        Assert.Equal("27-31-2018/Ид4412-18", telegram.Decision);
        Assert.Equal("2018-04-13", telegram.DecisionDate);
        Assert.Equal("суд", telegram.IssuingBody);
        Assert.Equal(["telegram.org", "*.t.me", "91.108.4.1/32", "149.154.160.0/20", "2001:67c:4e8::1/128", "2001:67c:4e8::/48"], telegram.Targets);

        ImportedOrder site = result.Orders[1];
        Assert.Equal("2019-01-09", site.DecisionDate);
        Assert.Equal(["http://xn--e1afmkfd.xn--p1ai/%D1%81%D1%82%D1%80%D0%B0%D0%BD%D0%B8%D1%86%D0%B0%20%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80", "https://example.org/film/"], site.Targets);
        Assert.Equal(8, result.Accepted);

        // Host bits, a port out of range and a bad name are refused with the rule; resolved addresses are skipped.
        Assert.Contains(result.Rejected, r => r.Value == "10.0.0.1/8" && r.Reason.Contains("10.0.0.0/8", StringComparison.Ordinal));
        Assert.Contains(result.Rejected, r => r.Value == "http://[::1]:99999/");
        Assert.Contains(result.Rejected, r => r.Value == "bad..name");
        Assert.Equal(3, result.Rejected.Count);
        Assert.Contains(result.Skipped, s => s.Value == "149.154.167.99" && s.Reason.Contains("resolved", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Value == "192.0.2.7");
        Assert.Contains(result.Skipped, s => s.Value == "пример.рф");
    }

    [Fact]
    public void RknCsv_SameDecisionsAsTheDump()
    {
        ImportResult result = Read(RknFixtures.RknCsv, ImportFormat.RknCsv, Encoding.GetEncoding(1251));
        Assert.Equal(["27-31-2018/Ид4412-18", "2-6-27/2019-01-09-5-АИ"], result.Orders.Select(o => o.Decision));
        Assert.Equal(["telegram.org", "*.t.me", "91.108.4.1/32", "149.154.160.0/20"], result.Orders[0].Targets);
        Assert.Equal(["http://xn--e1afmkfd.xn--p1ai/a;b", "https://example.org/film/"], result.Orders[1].Targets);
        Assert.Equal("Роскомнадзор", result.Orders[1].IssuingBody);
        Assert.Single(result.Rejected);
        Assert.Equal(6, result.Rejected[0].Line);
    }

    [Fact]
    public void Hosts_NamesOnly_BoilerplateIgnored_WildcardsRefused()
    {
        ImportResult result = Read("127.0.0.1 localhost\n::1 ip6-localhost ip6-loopback\n0.0.0.0 Ads.Example.COM tracker.example # comment\n0.0.0.0 *.bad.example\nnot-an-address x.example\n", ImportFormat.Hosts);
        ImportedOrder order = Assert.Single(result.Orders);
        Assert.Null(order.Decision);
        Assert.Equal(["ads.example.com", "tracker.example"], order.Targets);
        Assert.Equal(2, result.Rejected.Count);
    }

    [Fact]
    public void Domains_AnyTargetKind_CommentsIgnored()
    {
        ImportResult result = Read("# list\n! abp-style comment\nExample.com\n*.Example.net\nhttps://Example.org/a/../b\n198.51.100.7\nbad_name..x\n", ImportFormat.Domains);
        Assert.Equal(["example.com", "*.example.net", "https://example.org/b", "198.51.100.7/32"], Assert.Single(result.Orders).Targets);
        Assert.Equal(7, Assert.Single(result.Rejected).Line);
    }

    [Fact]
    public void Rpz_TheExportReadsBack_WithoutUrlsAndWithoutExceptions()
    {
        var order = new PolicyOrder("rkn/27-31-2018/Ид4412-18", "court-order", 0, null);
        var bundle = new PolicyBundle("r", 1, 1, new byte[32], 0,
            [.. new[] { "telegram.org", "*.t.me", "149.154.160.0/20", "2001:67c:4e8::/48", "2001:db8::1/128", "91.108.4.1/32", "https://example.org/page" }
                .Select(t => new BundleEntry(t, order)).Order(BundleEntry.Comparer)]);
        var zone = new StringWriter();
        PolicyExporter.Write(zone, ExportFormat.Rpz, bundle, bundle.Entries);
        string text = zone + "allowed.example CNAME rpz-passthru.\nns.example.rpz-nsdname CNAME .\nwww.other.zone. CNAME .\n";

        ImportResult result = Read(text, ImportFormat.Rpz);
        Assert.Equal(
            ["*.t.me", "149.154.160.0/20", "2001:67c:4e8::/48", "2001:db8::1/128", "91.108.4.1/32", "telegram.org"],
            Assert.Single(result.Orders).Targets.Order(StringComparer.Ordinal));
        Assert.Equal(2, result.Skipped.Count);
        Assert.Contains("not inside the zone", Assert.Single(result.Rejected).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_TheExportReadsBack_GroupedByDecision()
    {
        var rkn = new PolicyOrder("rkn/R,\"1\"", "court-order", 0, null);
        var agcom = new PolicyOrder("agcom/PS-7", "copyright", 0, null);
        BundleEntry[] entries = [new("a.example", agcom), new("a.example", rkn), new("https://b.example/x", rkn)];
        var csv = new StringWriter();
        PolicyExporter.Write(csv, ExportFormat.Csv, new PolicyBundle("r", 1, 1, new byte[32], 0, entries), entries);

        ImportResult result = Read(csv.ToString(), ImportFormat.Csv);
        Assert.Equal(["PS-7", "R,\"1\""], result.Orders.Select(o => o.Decision));
        Assert.Equal(["a.example", "https://b.example/x"], result.Orders[1].Targets);
        Assert.Throws<FormatException>(() => Read("name,kind\nx.example,domain\n", ImportFormat.Csv));
    }

    [Fact]
    public void RknXml_NotARegister_IsRefusedAsAWhole()
    {
        Assert.Contains("not a register", Assert.Throws<FormatException>(() => Read("<html><body/></html>", ImportFormat.RknXml)).Message, StringComparison.Ordinal);
        Assert.Contains("line", Assert.Throws<FormatException>(() => Read("<reg:register formatVersion=\"2.4\" xmlns:reg=\"http://rsoc.ru\"><content>", ImportFormat.RknXml)).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => Read("<!DOCTYPE x [<!ENTITY e \"boom\">]><x>&e;</x>", ImportFormat.RknXml));
    }

    public static TheoryData<ImportFormat, string> Samples => new()
    {
        { ImportFormat.RknXml, RknFixtures.RknXml },
        { ImportFormat.RknCsv, RknFixtures.RknCsv },
        { ImportFormat.Hosts, "0.0.0.0 a.example b.example\n0.0.0.0 c.example\n" },
        { ImportFormat.Rpz, "$ORIGIN rpz.palisade.\n@ SOA localhost. h.localhost. ( 1 3600\n 600 604800 300 )\na.example CNAME .\n24.0.2.0.192.rpz-ip CNAME .\n" },
        { ImportFormat.Csv, "target,reference\na.example,rkn/\"R-1\"\n\"b.example\",\"rkn/R,2\"\n" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Importers_TruncatedAtEveryByte_ReadOrRefuseWithFormatException(ImportFormat format, string sample)
    {
        byte[] bytes = (format is ImportFormat.RknXml or ImportFormat.RknCsv ? Encoding.GetEncoding(1251) : Encoding.UTF8).GetBytes(sample);
        for (int length = 0; length <= bytes.Length; length++)
        {
            try
            {
                ListImporter.Read(new MemoryStream(bytes, 0, length), format);
            }
            catch (FormatException)
            {
                // The documented answer to a file that is not of the format.
            }
        }
    }
}

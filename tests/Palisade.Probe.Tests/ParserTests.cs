using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Palisade.Probe.Tests;

/// <summary>Everything the probe reads from the network or from its inputs: DNS answers, HTTP heads, Link headers and
/// the test-lists CSV. Good input parses; every truncation is refused with a FormatException, never another error.</summary>
public sealed class ParserTests
{
    /// <summary>An answer to <paramref name="query"/>: rcode, one A record, and an OPT record with an EDE.</summary>
    private static byte[] Answer(byte[] query, int rcode, IPAddress? address, ushort edeCode, string edeText)
    {
        var message = new List<byte>();
        int questionEnd = query.Length - 11;
        message.AddRange(query.AsSpan(0, questionEnd).ToArray());
        message[2] = 0x81;
        message[3] = (byte)(0x80 | rcode);
        message[6] = 0;
        message[7] = (byte)(address is null ? 0 : 1);
        message[10] = 0;
        message[11] = 1;
        if (address is not null)
        {
            message.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4]);
            message.AddRange(address.GetAddressBytes());
        }

        byte[] text = Encoding.UTF8.GetBytes(edeText);
        message.AddRange([0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0]);
        byte[] rdLength = new byte[2], option = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(rdLength, (ushort)(text.Length + 6));
        message.AddRange(rdLength);
        BinaryPrimitives.WriteUInt16BigEndian(option, 15);
        BinaryPrimitives.WriteUInt16BigEndian(option.AsSpan(2), (ushort)(text.Length + 2));
        BinaryPrimitives.WriteUInt16BigEndian(option.AsSpan(4), edeCode);
        message.AddRange(option);
        message.AddRange(text);
        return [.. message];
    }

    [Fact]
    public void DnsAnswer_AddressesRcodeAndExtendedErrors()
    {
        byte[] query = DnsLookup.BuildQuery("Blocked.Example", 1);
        DnsAnswer blocked = DnsResponseParser.Parse(Answer(query, 3, null, 16, "rkn/27-31-2018 https://registry.example/orders/rkn/27-31-2018"), query);
        Assert.Equal(3, blocked.Rcode);
        Assert.Empty(blocked.Addresses);
        Assert.Equal([(16, "rkn/27-31-2018 https://registry.example/orders/rkn/27-31-2018")], blocked.Errors);

        DnsAnswer ok = DnsResponseParser.Parse(Answer(query, 0, IPAddress.Parse("192.0.2.7"), 0, ""), query);
        Assert.Equal([IPAddress.Parse("192.0.2.7")], ok.Addresses);
        Assert.Equal([3600u], ok.Ttls);
        Assert.Equal("dns_nxdomain_error", new DnsResult("blocked.example", 1, blocked, null, TimeSpan.Zero).OoniFailure);
    }

    [Fact]
    public void DnsAnswer_EveryTruncation_IsAFormatException()
    {
        byte[] query = DnsLookup.BuildQuery("blocked.example", 1);
        byte[] answer = Answer(query, 0, IPAddress.Parse("192.0.2.7"), 16, "some text");
        for (int length = 0; length < answer.Length; length++)
        {
            Assert.Throws<FormatException>(() => DnsResponseParser.Parse(answer.AsSpan(0, length), query));
        }
    }

    [Fact]
    public void DnsAnswer_ToAnotherQuestion_OrAnotherId_IsRefused()
    {
        byte[] query = DnsLookup.BuildQuery("blocked.example", 1);
        byte[] other = DnsLookup.BuildQuery("other.example", 1);
        other[0] = query[0];
        other[1] = query[1];
        Assert.Contains("not the question asked", Assert.Throws<FormatException>(() => DnsResponseParser.Parse(Answer(other, 0, null, 0, ""), query)).Message, StringComparison.Ordinal);
        byte[] answer = Answer(query, 0, null, 0, "");
        answer[0] ^= 0xFF;
        Assert.Throws<FormatException>(() => DnsResponseParser.Parse(answer, query));
    }

    [Fact]
    public void HttpHead_StatusAndFields_TruncationsRefused()
    {
        byte[] head = "HTTP/1.1 451 Unavailable For Legal Reasons\r\nLink: <https://registry.example/orders/rkn/1>; rel=\"blocked-by\"\r\nContent-Type: text/html\r\n\r\n<html>"u8.ToArray();
        HttpHead parsed = HttpHead.Parse(head);
        Assert.Equal(451, parsed.Status);
        Assert.Equal("text/html", parsed["content-type"]);
        Assert.Equal(head.Length - 6, parsed.Length);
        for (int length = 0; length < parsed.Length; length++)
        {
            Assert.Throws<FormatException>(() => HttpHead.Parse(head.AsSpan(0, length)));
        }

        foreach (string bad in new[] { "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "HTTP/1.1 200 OK\r\nA b: c\r\n\r\n" })
        {
            Assert.Throws<FormatException>(() => HttpHead.Parse(Encoding.ASCII.GetBytes(bad)));
        }
    }

    [Theory]
    [InlineData("<https://r.example/orders/rkn/1>; rel=\"blocked-by\"", "https://r.example/orders/rkn/1")]
    [InlineData("<https://a.example/>; rel=preload, <https://r.example/o>; rel=\"blocked-by\"", "https://r.example/o")]
    [InlineData("<https://r.example/o>;rel=\"alternate blocked-by\"", "https://r.example/o")]
    [InlineData("<https://r.example/o>; title=\"x, y\"; REL=Blocked-By", "https://r.example/o")]
    [InlineData("<https://r.example/o>; rel=preload", null)]
    [InlineData("<https://r.example/o", null)]
    [InlineData("https://r.example/o; rel=blocked-by", null)]
    [InlineData("<https://r.example/o>; rel=\"blocked-by", null)]
    [InlineData("", null)]
    public void LinkHeader_BlockedBy(string value, string? expected) => Assert.Equal(expected, LinkHeader.BlockedBy(value));

    [Fact]
    public void TestList_RowsQuotedFieldsAndErrors()
    {
        const string list = "url,category_code,category_description,date_added,source,notes\n" +
            "http://control.example/,NEWS,News Media,2017-09-22,citizenlab,\n" +
            "\"https://quoted.example/a,b\",HUMR,\"Human Rights, \"\"Issues\"\"\",2017-09-22,citizenlab,\"multi\nline\"\r\n\n";
        List<(string Url, string Category)> rows = TestListCsv.Parse(new StringReader(list));
        Assert.Equal([("http://control.example/", "NEWS"), ("https://quoted.example/a,b", "HUMR")], rows);

        Assert.Contains("line 1", Assert.Throws<FormatException>(() => TestListCsv.Parse(new StringReader("site,category\nx,y\n"))).Message, StringComparison.Ordinal);
        Assert.Contains("line 2", Assert.Throws<FormatException>(() => TestListCsv.Parse(new StringReader("url,category_code\n\"unclosed,NEWS\n"))).Message, StringComparison.Ordinal);
        Assert.Contains("line 2", Assert.Throws<FormatException>(() => TestListCsv.Parse(new StringReader("url,category_code\nonlyurl\n"))).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => TestListCsv.Parse(new StringReader("")));
        Assert.Contains("longer than", Assert.Throws<FormatException>(() => TestListCsv.Parse(new StringReader("url,category_code\n" + new string('a', TestListCsv.MaxRowLength + 1) + ",X\n"))).Message, StringComparison.Ordinal);

        // Every truncation either parses (a shorter list) or is refused with a FormatException.
        for (int length = 0; length < list.Length; length++)
        {
            try
            {
                TestListCsv.Parse(new StringReader(list[..length]));
            }
            catch (FormatException)
            {
            }
        }
    }
}

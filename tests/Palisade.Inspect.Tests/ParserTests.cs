using System.Text;

namespace Palisade.Inspect.Tests;

/// <summary>Every reader and parser against truncation: each prefix is Incomplete or Invalid (or read), never an
/// exception; a file that is not a capture names the offset and what was expected.</summary>
public sealed class ParserTests
{
    [Fact]
    public void CaptureReader_NotACapture_NamesTheOffsetAndWhatWasExpected()
    {
        CaptureFormatException e = Assert.Throws<CaptureFormatException>(() => CaptureReader.Open(new MemoryStream("hello, world"u8.ToArray())));
        Assert.Contains("at offset 0: expected a pcap (a1b2c3d4, a1b23c4d) or pcapng (0a0d0d0a) magic number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CaptureReader_EveryTruncation_EndsCleanlyOrNamesTheOffset()
    {
        byte[] capture = BuiltCaptures.Pcap([BuiltCaptures.Tcp(1, 0x02, []), BuiltCaptures.Tcp(2, 0x18, BuiltCaptures.ClientHelloRecord("a.example"))]);
        foreach (string file in new[] { "http.pcapng", "dns.pcap" })
        {
            AssertTruncations(File.ReadAllBytes(TestData.Path("captures", file)));
        }

        AssertTruncations(capture);
    }

    private static void AssertTruncations(byte[] capture)
    {
        for (int length = 0; length < Math.Min(capture.Length, 4096); length++)
        {
            try
            {
                Captures.Read(new MemoryStream(capture, 0, length));
            }
            catch (CaptureFormatException e)
            {
                Assert.Contains("at offset", e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void ClientHello_EveryTruncation_IsIncompleteOrInvalid()
    {
        byte[] message = BuiltCaptures.ClientHelloRecord("trunc.example")[5..];
        Assert.Equal(DecodeStatus.Ok, TlsClientHello.TryRead(message, out string? name, out bool outer));
        Assert.Equal(("trunc.example", false), (name, outer));
        for (int length = 0; length < message.Length; length++)
        {
            Assert.Contains(TlsClientHello.TryRead(message.AsSpan(0, length), out _, out _), new[] { DecodeStatus.Incomplete, DecodeStatus.Invalid });
        }
    }

    [Fact]
    public void DnsQuery_NamesCompressionAndTruncation()
    {
        byte[] query = Convert.FromHexString("1234010000020000000000000357777707457861" + "6d706c6503636f6d000001000103617069c010000100 01".Replace(" ", "", StringComparison.Ordinal));
        var names = new List<string>();
        Assert.Equal(DecodeStatus.Ok, DnsQuestions.TryRead(query, names));
        Assert.Equal(["www.example.com", "api.example.com"], names);
        for (int length = 0; length < query.Length; length++)
        {
            names.Clear();
            Assert.NotEqual(DecodeStatus.Ok, DnsQuestions.TryRead(query.AsSpan(0, length), names));
        }

        // A pointer loop is refused, not followed forever.
        byte[] loop = Convert.FromHexString("123401000001000000000000C00C00010001");
        Assert.Equal(DecodeStatus.Invalid, DnsQuestions.TryRead(loop, names));
    }

    [Fact]
    public void HttpHead_HostTargetAndTruncation()
    {
        byte[] head = Encoding.ASCII.GetBytes("GET /path?q=1 HTTP/1.1\r\nHOST: WWW.Example.ORG\r\nContent-Length: 3\r\n\r\nabc");
        Assert.Equal(DecodeStatus.Ok, HttpRequestHead.TryRead(head, out string? host, out string? target, out int length));
        Assert.Equal(("www.example.org", "/path?q=1", head.Length), (host, target, length));
        for (int cut = 0; cut < head.Length - 3; cut++)
        {
            Assert.Equal(DecodeStatus.Incomplete, HttpRequestHead.TryRead(head.AsSpan(0, cut), out _, out _, out _));
        }
    }

    [Fact]
    public void Names_AsTsharkShowsThem_InvalidUtf8AsReplacementCharacters()
    {
        Assert.Equal("abc\uFFFDd\uFFFDe", NameText.Lower([(byte)'A', (byte)'b', (byte)'C', 0xED, 0xBF, (byte)'d', 0xFB, 0xBD, (byte)'e']));
        Assert.Equal("пример.рф", NameText.Lower(Encoding.UTF8.GetBytes("пример.рф")));
    }
}

using System.Text;

namespace Palisade.Inspect.Tests;

/// <summary>Simple evasions of the classifier, each read as tshark reads it: spaces in a request line, DNS on a port
/// that is not DNS's, control characters in a name, HTTP on the SIP port, and QUIC's reserved versions.</summary>
public sealed class EvasionTests
{
    private static (HashSet<(string, string)> Ours, HashSet<(string, string)> Tshark) Both(byte[] capture)
    {
        string path = Path.Combine(Path.GetTempPath(), "palisade-evasion-" + Guid.NewGuid().ToString("N") + ".pcap");
        File.WriteAllBytes(path, capture);
        try
        {
            return (Captures.Pairs(Captures.Read(new MemoryStream(capture))), Tshark.Names(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Http(string request, ushort port) => BuiltCaptures.Pcap(
    [
        BuiltCaptures.Tcp(999, 0x02, [], port),
        BuiltCaptures.Tcp(1000, 0x18, Encoding.ASCII.GetBytes(request), port),
    ]);

    [Fact]
    public void RequestLine_WithRunsOfSpaces_StillGivesItsHost()
    {
        (HashSet<(string, string)> ours, HashSet<(string, string)> tshark) = Both(Http("GET        /path        HTTP/1.1\r\nHost: spaced.example\r\n\r\n", 80));
        Assert.Contains(("http-host", "spaced.example"), ours);
        Assert.Equal(tshark, ours);
    }

    [Theory]
    [InlineData(443)]
    [InlineData(8053)]
    public void DnsQuery_OnAPortThatIsNotDns_IsRead(ushort port)
    {
        byte[] query = BuiltCaptures.DnsQuery(0x1234, "2"u8.ToArray(), "dnscrypt-cert"u8.ToArray(), "odd-port"u8.ToArray(), "example"u8.ToArray());
        (HashSet<(string, string)> ours, HashSet<(string, string)> tshark) = Both(BuiltCaptures.Pcap([BuiltCaptures.Udp(query, port)]));
        Assert.Contains(("dns-qname", "2.dnscrypt-cert.odd-port.example"), ours);
        Assert.Equal(tshark, ours);
    }

    [Fact]
    public void NetBiosNameQuery_IsNotReadAsDns()
    {
        byte[] query = BuiltCaptures.DnsQuery(0x1234, "fhepfcelehfcepfffacacacacacacaca"u8.ToArray());
        (HashSet<(string, string)> ours, HashSet<(string, string)> tshark) = Both(BuiltCaptures.Pcap([BuiltCaptures.Udp(query, 137)]));
        Assert.Empty(ours);
        Assert.Equal(tshark, ours);
    }

    [Fact]
    public void Name_WithControlCharacters_IsEscapedAsTsharkEscapesIt()
    {
        byte[] query = BuiltCaptures.DnsQuery(0x4321, "www"u8.ToArray(), [(byte)'a', 4, 5, 0x0d, 0x1f, 0x7f, (byte)'b'], "example"u8.ToArray());
        (HashSet<(string, string)> ours, HashSet<(string, string)> tshark) = Both(BuiltCaptures.Pcap([BuiltCaptures.Udp(query, 53)]));
        Assert.Contains(("dns-qname", "www.a\\004\\005\\r\\037\\177b.example"), ours);
        Assert.Equal(tshark, ours);
    }

    [Fact]
    public void SsdpSearch_OverUdp_GivesItsHost()
    {
        byte[] search = Encoding.ASCII.GetBytes("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n");
        (HashSet<(string, string)> ours, HashSet<(string, string)> tshark) = Both(BuiltCaptures.Pcap([BuiltCaptures.Udp(search, 1900)]));
        Assert.Contains(("http-host", "239.255.255.250:1900"), ours);
        Assert.Equal(tshark, ours);
    }

    [Fact]
    public void HttpOnTheSipPort_IsReadAsTsharkReadsIt()
    {
        (HashSet<(string, string)> ours, HashSet<(string, string)> tshark) = Both(Http("GET / HTTP/1.1\r\nHost: sip-port.example\r\n\r\n", 5060));
        Assert.Equal(tshark, ours);
    }

    [Theory]
    [InlineData(0x0A0A0A0Au)]
    [InlineData(0x1A2A3A4Au)]
    [InlineData(0xFAFAFAFAu)]
    public void QuicReservedVersion_IsOpenedWithTheDraft29Keys(uint version)
    {
        // The keys of a reserved version are draft-29's: the same Initial keys for the same connection id.
        byte[] id = Convert.FromHexString("8394c8f03e515708");
        Assert.NotNull(QuicInitial.ForClient(version, id));
        Assert.Equal(QuicInitial.Parameters(0xFF00001D), QuicInitial.Parameters(version));
        Assert.Null(QuicInitial.Parameters(0x0A0A0A0Bu));
    }
}

using System.Text;

namespace Palisade.Inspect.Tests;

/// <summary>Captures built to be hard: a ClientHello split inside its server name, segments out of order and
/// retransmitted, an HTTP request across segments; each read as tshark reads it.</summary>
public sealed class ReassemblyTests
{
    private static (List<ExtractedName> Ours, HashSet<(string, string)> Tshark) Both(byte[] capture, params string[] preferences)
    {
        string path = Path.Combine(Path.GetTempPath(), "palisade-built-" + Guid.NewGuid().ToString("N") + ".pcap");
        File.WriteAllBytes(path, capture);
        try
        {
            return (Captures.Read(new MemoryStream(capture)), Tshark.Names(path, preferences));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ClientHello_SplitInsideTheServerName_IsReadWhenTheSecondSegmentArrives()
    {
        byte[] hello = BuiltCaptures.ClientHelloRecord("split.example.com");
        int cut = Encoding.ASCII.GetBytes(Encoding.Latin1.GetString(hello)).AsSpan().IndexOf("example"u8) + 3;
        byte[] capture = BuiltCaptures.Pcap(
        [
            BuiltCaptures.Tcp(999, 0x02, []),
            BuiltCaptures.Tcp(1000, 0x18, hello.AsSpan(0, cut)),
            BuiltCaptures.Tcp(1000 + (uint)cut, 0x18, hello.AsSpan(cut)),
        ]);
        (List<ExtractedName> ours, HashSet<(string, string)> tshark) = Both(capture);
        Assert.Equal([(3L, NameKind.Sni, "split.example.com")], ours.Select(n => (n.Frame, n.Kind, n.Name)));
        Assert.Equal(tshark, Captures.Pairs(ours));
    }

    [Fact]
    public void ClientHello_SegmentsOutOfOrderAndRetransmitted_AreReassembled()
    {
        byte[] hello = BuiltCaptures.ClientHelloRecord("unordered.example.org");
        int a = 20, b = 50;
        byte[] capture = BuiltCaptures.Pcap(
        [
            BuiltCaptures.Tcp(4999, 0x02, []),
            BuiltCaptures.Tcp(5000, 0x18, hello.AsSpan(0, a)),
            BuiltCaptures.Tcp(5000 + (uint)b, 0x18, hello.AsSpan(b)),
            BuiltCaptures.Tcp(5000, 0x18, hello.AsSpan(0, a)),
            BuiltCaptures.Tcp(5000 + (uint)a, 0x18, hello.AsSpan(a, b - a)),
        ]);
        // tshark reassembles segments that arrive out of order only when asked to (its default is off).
        (List<ExtractedName> ours, HashSet<(string, string)> tshark) = Both(capture, "tcp.reassemble_out_of_order:TRUE");
        Assert.Equal([(5L, NameKind.Sni, "unordered.example.org")], ours.Select(n => (n.Frame, n.Kind, n.Name)));
        Assert.Equal(tshark, Captures.Pairs(ours));
    }

    [Fact]
    public void HttpRequests_AcrossSegments_AndPipelined_GiveEachHost()
    {
        byte[] requests = Encoding.ASCII.GetBytes("GET /one HTTP/1.1\r\nHost: First.Example\r\nContent-Length: 5\r\n\r\nhelloPOST /two HTTP/1.1\r\nHost: second.example:8080\r\n\r\n");
        byte[] capture = BuiltCaptures.Pcap(
        [
            BuiltCaptures.Tcp(99, 0x02, [], 80),
            BuiltCaptures.Tcp(100, 0x18, requests.AsSpan(0, 30), 80),
            BuiltCaptures.Tcp(130, 0x18, requests.AsSpan(30), 80),
        ]);
        (List<ExtractedName> ours, HashSet<(string, string)> tshark) = Both(capture);
        Assert.Equal([(3L, "first.example", "http://first.example/one"), (3L, "second.example:8080", "http://second.example:8080/two")],
            ours.Select(n => (n.Frame, n.Name, n.Url)));
        Assert.Equal(tshark, Captures.Pairs(ours));
    }

    [Fact]
    public void AFlowThatNeverCompletes_GivesNothing()
    {
        byte[] hello = BuiltCaptures.ClientHelloRecord("never.example");
        byte[] capture = BuiltCaptures.Pcap([BuiltCaptures.Tcp(1, 0x02, []), BuiltCaptures.Tcp(2, 0x18, hello.AsSpan(0, hello.Length - 10))]);
        Assert.Empty(Captures.Read(new MemoryStream(capture)));
    }
}

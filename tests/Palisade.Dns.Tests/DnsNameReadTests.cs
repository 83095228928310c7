using System.Text;
using Palisade.Dns.Wire;

namespace Palisade.Dns.Tests;

/// <summary><see cref="DnsName.Read"/>, the lenient reader for names others sent (captures): compression followed with a
/// bound, every offset checked, text bounded by the caller's buffer.</summary>
public sealed class DnsNameReadTests
{
    // A query header, the question www.example.test. A IN, then a second question c.<pointer to example.test>.
    private static readonly byte[] s_message =
    [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0,
        0x00, 0x01, 0x00, 0x01,
        1, (byte)'c', 0xC0, 16,
        0x00, 0x01, 0x00, 0x01,
    ];

    [Fact]
    public void Read_PlainAndCompressedNames_DottedText()
    {
        Span<byte> text = stackalloc byte[255];
        int position = 12;
        Assert.Equal(DnsParseStatus.Ok, DnsName.Read(s_message, ref position, text, out int written));
        Assert.Equal("www.example.test", Encoding.ASCII.GetString(text[..written]));
        Assert.Equal(30, position);
        position += 4;
        Assert.Equal(DnsParseStatus.Ok, DnsName.Read(s_message, ref position, text, out written));
        Assert.Equal("c.example.test", Encoding.ASCII.GetString(text[..written]));
        Assert.Equal(38, position);
    }

    [Fact]
    public void Read_CutAtEveryByte_IncompleteNeverMore()
    {
        byte[] buffer = new byte[255];
        for (int cut = 12; cut < 30; cut++)
        {
            int position = 12;
            Assert.Equal(DnsParseStatus.Incomplete, DnsName.Read(s_message.AsSpan(0, cut), ref position, buffer, out _));
        }

        for (int cut = 34; cut < 38; cut++)
        {
            int position = 34;
            Assert.Equal(DnsParseStatus.Incomplete, DnsName.Read(s_message.AsSpan(0, cut), ref position, buffer, out _));
        }
    }

    [Fact]
    public void Read_PointerLoopTooLongOrReservedLabel_Invalid()
    {
        byte[] buffer = new byte[255];
        byte[] loop = [.. s_message[..12], 0xC0, 12];
        int position = 12;
        Assert.Equal(DnsParseStatus.Invalid, DnsName.Read(loop, ref position, buffer, out _));

        position = 12;
        Assert.Equal(DnsParseStatus.Invalid, DnsName.Read(s_message, ref position, buffer.AsSpan(0, 15), out _));

        byte[] reserved = [.. s_message[..12], 0x40, 0];
        position = 12;
        Assert.Equal(DnsParseStatus.Invalid, DnsName.Read(reserved, ref position, buffer, out _));
    }
}

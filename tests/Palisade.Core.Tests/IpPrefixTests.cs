using System.Net;

namespace Palisade.Core.Tests;

public sealed class IpPrefixTests
{
    [Theory]
    [InlineData("192.0.2.0/24", "192.0.2.0/24")]
    [InlineData("192.0.2.1", "192.0.2.1/32")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("2001:DB8:0:0:0:0:0:0/32", "2001:db8::/32")]
    [InlineData("2001:db8::1", "2001:db8::1/128")]
    [InlineData("::/0", "::/0")]
    [InlineData("::ffff:192.0.2.1", "::ffff:192.0.2.1/128")]
    public void Parse_Valid_Canonical(string input, string expected)
    {
        Assert.Equal(expected, IpPrefix.Parse(input).ToString());
    }

    [Theory]
    [InlineData("192.0.2.1/24", "the prefix is 192.0.2.0/24")]
    [InlineData("2001:db8::1/32", "the prefix is 2001:db8::/32")]
    [InlineData("192.0.2.0/33", "longer than 32")]
    [InlineData("192.0.2.0/024", "leading zeros")]
    [InlineData("010.0.0.1", "octal")]
    [InlineData("1.2.3", "dotted-decimal")]
    [InlineData("256.0.0.0", "greater than 255")]
    [InlineData("0x7f.0.0.1", "dotted-decimal")]
    [InlineData("fe80::1%eth0", "zone")]
    [InlineData("", "empty")]
    [InlineData("192.0.2.0/", "decimal number")]
    public void TryParse_Invalid_SaysWhy(string input, string reason)
    {
        Assert.False(IpPrefix.TryParse(input, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Contains_AddressesAndPrefixes()
    {
        var net = IpPrefix.Parse("198.51.100.0/22");
        Assert.True(net.Contains(IPAddress.Parse("198.51.103.255")));
        Assert.False(net.Contains(IPAddress.Parse("198.51.104.0")));
        Assert.False(net.Contains(IPAddress.Parse("::ffff:198.51.100.1")));
        Assert.True(net.Contains(IpPrefix.Parse("198.51.101.0/24")));
        Assert.False(IpPrefix.Parse("198.51.101.0/24").Contains(net));
        Assert.True(IpPrefix.Parse("::/0").Contains(IPAddress.IPv6Loopback));
        Assert.True(IpPrefix.Parse("0.0.0.0/0").Contains(IPAddress.Loopback));
    }

    [Fact]
    public void CompareTo_IPv4BeforeIPv6_ThenAddress_ThenWiderFirst()
    {
        var sorted = new[] { "2001:db8::/32", "10.0.0.0/16", "10.0.0.0/8", "9.0.0.0/8" }.Select(IpPrefix.Parse).Order().Select(p => p.ToString());
        Assert.Equal(["9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "2001:db8::/32"], sorted);
    }

    [Fact]
    public void TryFormat_Utf8_MatchesToString()
    {
        var prefix = IpPrefix.Parse("2001:db8::/48");
        Span<byte> utf8 = stackalloc byte[64];
        Assert.True(prefix.TryFormat(utf8, out int written, default, null));
        Assert.Equal(prefix.ToString(), System.Text.Encoding.ASCII.GetString(utf8[..written]));
    }
}

public sealed class IpPrefixAllocationTests
{
    [Theory]
    [InlineData("198.51.100.0/22")]
    [InlineData("2001:db8:1234::/48")]
    public void Parse_Canonical_AllocatesNothing(string input)
    {
        IpPrefix.Parse(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var prefix = IpPrefix.Parse(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(input, prefix.ToString());
    }
}

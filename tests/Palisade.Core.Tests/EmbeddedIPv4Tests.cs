using System.Net;

namespace Palisade.Core.Tests;

public sealed class EmbeddedIPv4Tests
{
    [Theory]
    [InlineData("::ffff:10.99.0.5", "10.99.0.5")]
    [InlineData("::10.99.0.5", "10.99.0.5")]
    [InlineData("64:ff9b::a63:5", "10.99.0.5")]
    [InlineData("64:ff9b:1:ab:cd::a63:5", "10.99.0.5")]
    [InlineData("2002:a63:5::1", "10.99.0.5")]
    [InlineData("2002:a63:5:ffff:ffff:ffff:ffff:ffff", "10.99.0.5")]
    public void Address_InAForm_CarriesItsIPv4Address(string ipv6, string ipv4)
    {
        Assert.True(EmbeddedIPv4.TryGetAddress(IPAddress.Parse(ipv6).GetAddressBytes(), out uint carried));
        Assert.Equal(IPAddress.Parse(ipv4), new IPAddress(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(carried)));
    }

    [Theory]
    [InlineData("2001:db8::a63:5")]
    [InlineData("64:ff9b:2::a63:5")]
    [InlineData("2003::1")]
    [InlineData("1::a63:5")]
    public void Address_OutsideTheForms_CarriesNone(string ipv6)
    {
        Assert.False(EmbeddedIPv4.TryGetAddress(IPAddress.Parse(ipv6).GetAddressBytes(), out _));
        Assert.False(EmbeddedIPv4.TryGetAddress(IPAddress.Parse("10.99.0.5").GetAddressBytes(), out _));
    }

    [Theory]
    [InlineData("64:ff9b:1::/48", "64:ff9b:1::/48", "0.0.0.0/0")]
    [InlineData("64:ff9b:1:ab::a63:0/112", "64:ff9b:1::/48", "10.99.0.0/16")]
    [InlineData("2002:6810::/32", "2002::/16", "104.16.0.0/16")]
    [InlineData("2002:c629:4::/48", "2002::/16", "198.41.0.4/32")]
    [InlineData("2002:c629:4:1::/64", "2002::/16", "198.41.0.4/32")]
    [InlineData("2002::/16", "2002::/16", "0.0.0.0/0")]
    [InlineData("2000::/3", "2002::/16", "0.0.0.0/0")]
    [InlineData("::/96", "::/96", "0.0.0.0/0")]
    [InlineData("::a00:0/104", "::/96", "10.0.0.0/8")]
    [InlineData("::ffff:a00:0/104", "::ffff:0:0/96", "10.0.0.0/8")]
    [InlineData("64:ff9b::a63:0/112", "64:ff9b::/96", "10.99.0.0/16")]
    public void Prefix_StandsForTheIPv4PrefixItFixes(string ipv6, string form, string ipv4)
    {
        (EmbeddedIPv4.Form Form, IpPrefix IPv4) found = Assert.Single(EmbeddedIPv4.Of(IpPrefix.Parse(ipv6)), f => f.Form.Block == IpPrefix.Parse(form));
        Assert.Equal(ipv4, found.IPv4.ToString());
    }

    [Fact]
    public void Prefix_CoveringSeveralForms_StandsForAllOfIPv4InEach()
    {
        // ::/64 covers the mapped and the compatible forms; ::/1 covers every form.
        Assert.Equal(2, EmbeddedIPv4.Of(IpPrefix.Parse("::/64")).Count);
        Assert.Equal(5, EmbeddedIPv4.Of(IpPrefix.Parse("::/1")).Count);
        Assert.All(EmbeddedIPv4.Of(IpPrefix.Parse("::/1")), f => Assert.Equal("0.0.0.0/0", f.IPv4.ToString()));
        Assert.Empty(EmbeddedIPv4.Of(IpPrefix.Parse("2001:db8::/32")));
        Assert.Empty(EmbeddedIPv4.Of(IpPrefix.Parse("10.0.0.0/8")));
    }

    [Fact]
    public void OnTheWire_WritesAnIPv4PrefixInTheNat64And6to4Forms()
    {
        Assert.Equal(["64:ff9b::a63:0/112", "2002:a63::/32"], EmbeddedIPv4.OnTheWire(IpPrefix.Parse("10.99.0.0/16")).Select(p => p.ToString()));
        Assert.Equal(["64:ff9b::c629:4/128", "2002:c629:4::/48"], EmbeddedIPv4.OnTheWire(IpPrefix.Parse("198.41.0.4/32")).Select(p => p.ToString()));
        Assert.Empty(EmbeddedIPv4.OnTheWire(IpPrefix.Parse("2001:db8::/32")));
    }
}

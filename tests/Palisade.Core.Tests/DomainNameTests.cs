namespace Palisade.Core.Tests;

public sealed class DomainNameTests
{
    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("Example.COM.", "example.com")]
    [InlineData("президент.рф", "xn--d1abbgf6aiiy.xn--p1ai")]
    [InlineData("ПРЕЗИДЕНТ.РФ", "xn--d1abbgf6aiiy.xn--p1ai")]
    [InlineData("xn--d1abbgf6aiiy.xn--p1ai", "xn--d1abbgf6aiiy.xn--p1ai")]
    [InlineData("example\uFF0Ecom", "example.com")]
    [InlineData("example\u3002com\u3002", "example.com")]
    [InlineData("fa\u00DF.de", "xn--fa-hia.de")]
    [InlineData("_dmarc.example.com", "_dmarc.example.com")]
    [InlineData("a-b.example", "a-b.example")]
    public void Parse_Valid_Canonical(string input, string expected)
    {
        Assert.Equal(expected, DomainName.Parse(input).Value);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(".", "empty")]
    [InlineData("a..b", "label is empty")]
    [InlineData("exa mple.com", "letters, digits")]
    [InlineData("exa/mple.com", "letters, digits")]
    [InlineData("a\u200Cb.example", "RFC 5892")]
    [InlineData("xn--a.example", "disallows")]
    [InlineData("xn--tešla.example", "Punycode")]
    [InlineData("\u0300a.example", "combining mark")]
    [InlineData("192.0.2.1", "IPv4")]
    [InlineData("example.123", "IPv4")]
    [InlineData("\uFFFD.example", "disallows")]
    [InlineData("a\u05D0.example", "Bidi")]
    public void TryParse_Invalid_NamesRule(string input, string rule)
    {
        Assert.False(DomainName.TryParse(input, out _, out string? error));
        Assert.Contains(rule, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_LabelOf64_TooLong()
    {
        Assert.True(DomainName.TryParse(new string('a', 63) + ".example", out _));
        Assert.False(DomainName.TryParse(new string('a', 64) + ".example", out _, out string? error));
        Assert.Contains("63", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NameOf254_TooLong()
    {
        string label = new('a', 49);
        string name253 = string.Join('.', label, label, label, label, label) + ".abc"; // 5*50 + 3 = 253
        Assert.Equal(253, name253.Length);
        Assert.True(DomainName.TryParse(name253, out _));
        Assert.True(DomainName.TryParse(name253 + ".", out _));
        Assert.False(DomainName.TryParse(name253 + "d", out _, out string? error));
        Assert.Contains("253", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Invalid_ThrowsFormatExceptionNamingValue()
    {
        var e = Assert.Throws<FormatException>(() => DomainName.Parse("a..b"));
        Assert.Contains("'a..b'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsBelow_ComparesLabelsNotCharacters()
    {
        var parent = DomainName.Parse("example.com");
        Assert.True(DomainName.Parse("a.example.com").IsBelow(parent));
        Assert.False(DomainName.Parse("badexample.com").IsBelow(parent));
        Assert.False(parent.IsBelow(parent));
        Assert.True(parent.IsAtOrBelow(parent));
    }

    [Fact]
    public void Equality_AndFormatting_UseCanonicalForm()
    {
        var a = DomainName.Parse("EXAMPLE.com.");
        var b = DomainName.Parse("example.com");
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Span<byte> utf8 = stackalloc byte[32];
        Assert.True(a.TryFormat(utf8, out int written, default, null));
        Assert.Equal("example.com"u8.ToArray(), utf8[..written].ToArray());
        Assert.False(a.TryFormat(stackalloc byte[4], out _, default, null));
    }

    [Theory]
    [InlineData("www.example.com")]
    [InlineData("xn--d1abbgf6aiiy.xn--p1ai")]
    [InlineData("www.xn--mller-kva.example")]
    [InlineData("xn--90ae.xn--80aswg.xn--p1ai")]
    [InlineData("xn--hxajbheg2az3al.xn--jxalpdlp")]
    public void Parse_CanonicalAsciiString_AllocatesNothing(string input)
    {
        DomainName.Parse(input); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        var name = DomainName.Parse(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Same(input, name.Value);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData("XN--D1ABBGF6AIIY.XN--P1AI", "xn--d1abbgf6aiiy.xn--p1ai")]
    [InlineData("xn--a.example", null)]
    [InlineData("xn--d1abbgf6aiiy-.example", null)]
    public void Parse_AceLabels_SameAnswerAsTheGeneralPath(string input, string? expected)
    {
        Assert.Equal(expected is not null, DomainName.TryParse(input, out DomainName name, out string? error));
        Assert.Equal(expected, expected is null ? null : name.Value);
        Assert.True(expected is not null || error is not null);
    }

    [Fact]
    public void Parse_CanonicalAsciiSpan_AllocatesOnlyTheResult()
    {
        ReadOnlySpan<char> input = "www.example.com";
        DomainName.Parse(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var name = DomainName.Parse(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("www.example.com", name.Value);
        Assert.True(allocated <= 64, $"{allocated} bytes: more than the 15-character result string");
    }
}

using Palisade.Core.Tests.Conformance;
using Palisade.Core.Url;

namespace Palisade.Core.Tests;

public sealed class UrlKeyTests
{
    [Theory]
    [InlineData("HTTP://Example.COM", "http://example.com/")]
    [InlineData("https://example.com:443/a/./b/../c?q=1#frag", "https://example.com/a/c?q=1")]
    [InlineData("http://президент.рф/новости", "http://xn--d1abbgf6aiiy.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8")]
    [InlineData("http://0x7f.1/", "http://127.0.0.1/")]
    [InlineData("https://[2001:DB8::1]:8443/", "https://[2001:db8::1]:8443/")]
    [InlineData("http://example.com/a b", "http://example.com/a%20b")]
    public void Parse_Valid_Canonical(string input, string expected)
    {
        var key = UrlKey.Parse(input);
        Assert.Equal(expected, key.Value);
        Assert.Equal(key, UrlKey.Parse(expected));
    }

    [Theory]
    [InlineData("ftp://example.com/", "scheme 'ftp'")]
    [InlineData("example.com/path", "no scheme")]
    [InlineData("http://exa mple.com/", "forbidden")]
    [InlineData("http://example.com:99999/", "65535")]
    [InlineData("http:///", "empty host")]
    public void TryParse_Invalid_SaysWhy(string input, string reason)
    {
        Assert.False(UrlKey.TryParse(input, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://user:pw@example.com:8080/x", "example.com")]
    [InlineData("https://[::1]:8080/x", "[::1]")]
    [InlineData("http://192.0.2.1/", "192.0.2.1")]
    public void Host_ReturnsSerialisedHost(string input, string host)
    {
        Assert.Equal(host, UrlKey.Parse(input).Host.ToString());
    }

    [Fact]
    public void IsCanonical_AgreesWithFullParser_OnEveryConformanceInput()
    {
        // The fast path must only accept input the WHATWG parser leaves unchanged.
        var disagreements = new List<string>();
        int accepted = 0;
        foreach (var test in UrlConformanceTests.Load("urltestdata.json"))
        {
            foreach (string candidate in new[] { (string)test["input"]!, test.GetValueOrDefault("href") as string ?? string.Empty })
            {
                if (!UrlKey.IsCanonical(candidate))
                {
                    continue;
                }

                accepted++;
                var url = WhatwgUrlParser.Parse(candidate, null, out _);
                if (url is null || url.Serialize(excludeFragment: true) != candidate)
                {
                    disagreements.Add(UrlConformanceTests.Show(candidate));
                }
            }
        }

        Assert.True(accepted > 50, $"the fast path accepted only {accepted} inputs");
        Assert.Empty(disagreements);
    }

    [Fact]
    public void Parse_CanonicalAsciiString_AllocatesNothing()
    {
        string input = "https://www.example.com/news/2026/item?id=42";
        UrlKey.Parse(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var key = UrlKey.Parse(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Same(input, key.Value);
        Assert.Equal(0, allocated);
    }
}

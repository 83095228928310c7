using Palisade.Core.Url;

namespace Palisade.Core.Tests;

/// <summary>Every parser, fed every prefix of valid inputs, answers with a result or its parse error and never throws.</summary>
public sealed class TruncationTests
{
    public static TheoryData<string> Inputs => new()
    {
        "www.президент.рф.",
        "*.xn--d1abbgf6aiiy.xn--p1ai",
        "https://user:pw@[2001:db8::1]:8443/a/%2e%2E/b?q=\u00E9#frag",
        "http://0x7f.0.0.1/x",
        "file:///C:/dir/../file.txt",
        "2001:db8:0:0:1::/80",
        "198.51.100.0/22",
        "\uD800.example",
        "a\u200D\u094D\u200C.example",
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Parsers_EveryPrefix_NeverThrow(string input)
    {
        for (int length = 0; length <= input.Length; length++)
        {
            var prefix = input.AsSpan(0, length);
            _ = DomainName.TryParse(prefix, out _, out _);
            _ = DomainPattern.TryParse(prefix, out _, out _);
            _ = UrlKey.TryParse(prefix, out _, out _);
            _ = IpPrefix.TryParse(prefix, out _, out _);
            _ = WhatwgUrlParser.Parse(prefix.ToString(), null, out _);
        }
    }

    [Fact]
    public void Punycode_EveryPrefix_NeverThrows()
    {
        const string Encoded = "d1abbgf6aiiy";
        var output = new List<int>();
        for (int length = 0; length <= Encoded.Length; length++)
        {
            _ = Idna.Punycode.TryDecode(Encoded.AsSpan(0, length), output);
        }

        Assert.True(Idna.Punycode.TryDecode(Encoded, output));
        Assert.Equal("президент", string.Concat(output.Select(char.ConvertFromUtf32)));
    }
}

using Palisade.Core.Idna;

namespace Palisade.Core.Tests;

/// <summary>
/// Rules the WPT files leave out (they exclude Bidi-only and STD3-only failures): RFC 5893 Bidi Rule and RFC 5892
/// ContextJ cases, and the registry's stricter reading of all-ASCII xn-- labels.
/// </summary>
public sealed class Uts46Tests
{
    [Theory]
    [InlineData("\u05D0\u05D1.example", IdnaError.None)]          // RTL label, LTR label: both satisfy their rules
    [InlineData("\u05D0\u0661.example", IdnaError.None)]          // R then AN: rule 3 allows AN at the end
    [InlineData("1\u05D0.example", IdnaError.Bidi)]               // rule 1: a label starts with L, R or AL, not EN
    [InlineData("\u05D0a.example", IdnaError.Bidi)]               // rule 2: no L in an RTL label
    [InlineData("\u05D0-.example", IdnaError.Bidi)]               // rule 3: an RTL label ends with R, AL, EN or AN
    [InlineData("\u0627\u0661\u06F1.example", IdnaError.Bidi)]    // rule 4: EN and AN do not mix
    [InlineData("a\u05D0.example", IdnaError.Bidi)]               // rule 5: no R in an LTR label of a Bidi domain
    [InlineData("a-.\u05D0", IdnaError.Bidi)]                     // rule 6: an LTR label ends with L or EN
    [InlineData("a-.example", IdnaError.None)]                    // not a Bidi domain: the Bidi Rule does not apply
    public void ToAscii_BidiRule(string input, IdnaError expected)
    {
        Assert.Equal(expected, Uts46.ToAscii(input, Uts46Options.UrlHost, out _));
    }

    [Theory]
    [InlineData("\u0915\u094D\u200D\u0937", IdnaError.None)]      // ZWJ after a virama (A.2)
    [InlineData("\u0915\u094D\u200C\u0937", IdnaError.None)]      // ZWNJ after a virama (A.1)
    [InlineData("\u0628\u200C\u0628", IdnaError.None)]            // ZWNJ between dual-joining letters (A.1)
    [InlineData("\u0628\u064B\u200C\u064B\u0628", IdnaError.None)] // transparent marks skipped on both sides
    [InlineData("a\u200Db", IdnaError.ContextJ)]                  // ZWJ without a virama
    [InlineData("\u0627\u200C\u0628", IdnaError.ContextJ)]        // ALEF joins right only: nothing to its left joins
    [InlineData("\u200C\u0628", IdnaError.ContextJ)]              // nothing before the ZWNJ
    public void ToAscii_ContextJ(string input, IdnaError expected)
    {
        Assert.Equal(expected, Uts46.ToAscii(input, Uts46Options.UrlHost, out _));
    }

    [Theory]
    [InlineData("xn--a")]          // decodes to U+0080, disallowed
    [InlineData("xn--zn7c")]       // decodes to U+FFFD, disallowed
    [InlineData("xn--1ug")]        // decodes to a lone ZWJ: ContextJ
    [InlineData("xn--")]           // decodes to nothing
    [InlineData("xn--abc-")]       // decodes to plain ASCII
    public void ToAscii_AsciiAceLabel_UrlPassesRegistryRefuses(string input)
    {
        Assert.Equal(IdnaError.None, Uts46.ToAscii(input, Uts46Options.UrlHost, out string? url));
        Assert.Equal(input, url);
        Assert.NotEqual(IdnaError.None, Uts46.ToAscii(input, Uts46Options.Registry, out _));
    }

    [Fact]
    public void ToAscii_OverlongInput_RefusedBeforeWork()
    {
        Assert.Equal(IdnaError.NameTooLong, Uts46.ToAscii(new string('\u00E9', Uts46.MaxInputLength + 1), Uts46Options.UrlHost, out _));
    }

    [Theory]
    [InlineData("bücher", "bcher-kva")]
    [InlineData("президент", "d1abbgf6aiiy")]
    [InlineData("\U0001F600", "e28h")]
    public void Punycode_RoundTrips(string unicode, string encoded)
    {
        var codePoints = new List<int>();
        for (int i = 0; i < unicode.Length; i += char.IsSurrogatePair(unicode, i) ? 2 : 1)
        {
            codePoints.Add(char.ConvertToUtf32(unicode, i));
        }

        var sb = new System.Text.StringBuilder();
        Assert.True(Punycode.TryEncode(codePoints.ToArray(), sb));
        Assert.Equal(encoded, sb.ToString());
        var decoded = new List<int>();
        Assert.True(Punycode.TryDecode(encoded, decoded));
        Assert.Equal(codePoints, decoded);
    }
}

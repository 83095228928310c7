namespace Palisade.Core.Tests;

public sealed class DomainPatternTests
{
    [Theory]
    [InlineData("*.example.com", "a.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "badexample.com", false)]
    [InlineData("example.com", "example.com", true)]
    [InlineData("example.com", "a.example.com", false)]
    [InlineData("*.ПРЕЗИДЕНТ.рф", "www.xn--d1abbgf6aiiy.xn--p1ai", true)]
    public void Matches_RpzSemantics(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, DomainPattern.Parse(pattern).Matches(DomainName.Parse(name)));
    }

    [Theory]
    [InlineData("*.Example.COM", "*.example.com")]
    [InlineData("Example.COM.", "example.com")]
    public void Parse_Canonical(string input, string expected)
    {
        Assert.Equal(expected, DomainPattern.Parse(input).ToString());
    }

    [Theory]
    [InlineData("a.*.example.com")]
    [InlineData("*example.com")]
    [InlineData("*")]
    [InlineData("*.")]
    public void TryParse_MisplacedWildcard_Fails(string input)
    {
        Assert.False(DomainPattern.TryParse(input, out _, out string? error));
        Assert.NotEmpty(error);
    }
}

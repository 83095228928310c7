namespace Palisade.Core.Tests.Conformance;

public sealed class PublicSuffixConformanceTests
{
    [Fact]
    public void TryGetRegistrableDomain_PslTests_EveryCaseMatches()
    {
        var list = PublicSuffixList.Load(TestData.Path("conformance", "public_suffix_list.dat"));
        var failures = new List<string>();
        int run = 0;
        foreach (string raw in File.ReadLines(TestData.Path("conformance", "psl_tests.txt")))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string input = parts[0], expected = parts[1];
            run++;

            // "null" input and names that are not domain names (a leading dot) have no registrable domain.
            string actual = input != "null" && DomainName.TryParse(input, out var name) && list.TryGetRegistrableDomain(name, out var registrable)
                ? registrable.Value
                : "null";
            string want = expected == "null" ? "null" : DomainName.Parse(expected).Value;
            if (actual != want)
            {
                failures.Add($"{input}: expected {want}, got {actual}");
            }
        }

        Assert.True(run > 50, $"only {run} cases read");
        Assert.True(failures.Count == 0, $"{failures.Count} of {run} cases fail:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Load_DebianPackage_HasBothSections()
    {
        if (!File.Exists(PublicSuffixList.DebianPath))
        {
            Assert.Skip($"{PublicSuffixList.DebianPath} is missing: ./test.sh installs Debian's publicsuffix package");
        }

        var list = PublicSuffixList.Load();
        Assert.True(list.IcannRuleCount > 5000, $"{list.IcannRuleCount} ICANN rules");
        Assert.True(list.PrivateRuleCount > 1000, $"{list.PrivateRuleCount} private rules");
        Assert.True(list.IsPublicSuffix(DomainName.Parse("co.uk")));
        Assert.True(list.IsPrivateSuffix(DomainName.Parse("example.github.io")));
        Assert.False(list.IsPrivateSuffix(DomainName.Parse("example.co.uk")));
    }

    [Fact]
    public void Load_MissingFile_NamesPathAndPackage()
    {
        var e = Assert.Throws<FileNotFoundException>(() => PublicSuffixList.Load("/nonexistent/psl.dat"));
        Assert.Contains("/nonexistent/psl.dat", e.Message, StringComparison.Ordinal);
        Assert.Contains("publicsuffix", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("www.ck", "www.ck")]
    [InlineData("a.b.ck", "a.b.ck")]
    [InlineData("b.ck", null)]
    [InlineData("президент.рф", "xn--d1abbgf6aiiy.xn--p1ai")]
    [InlineData("unlisted", null)]
    [InlineData("a.unlisted", "a.unlisted")]
    public void TryGetRegistrableDomain_InlineList_FollowsRules(string input, string? expected)
    {
        var list = PublicSuffixList.Parse(new StringReader("// ===BEGIN ICANN DOMAINS===\n*.ck\n!www.ck\nрф\n// ===END ICANN DOMAINS===\n"));
        bool found = list.TryGetRegistrableDomain(DomainName.Parse(input), out var registrable);
        Assert.Equal(expected, found ? registrable.Value : null);
    }
}

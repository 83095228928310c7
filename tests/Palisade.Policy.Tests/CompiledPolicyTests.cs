using System.Net;
using Palisade.Policy;
using static Palisade.Policy.Tests.PolicyFixtures;

namespace Palisade.Policy.Tests;

/// <summary>Matching against a compiled policy: names, wildcards, prefixes, URLs, time windows, and 0 B per lookup.</summary>
public sealed class CompiledPolicyTests
{
    private static readonly CompiledPolicy s_policy = CompiledPolicy.Build(Bundle(
        ("example.com", "a/1"),
        ("*.example.com", "a/2"),
        ("*.deep.example.com", "a/3"),
        ("*.deep.example.com", "b/1"),
        ("10.0.0.0/8", "a/4"),
        ("10.1.0.0/16", "a/5"),
        ("10.1.2.3/32", "a/6"),
        ("2001:db8::/32", "a/7"),
        ("2001:db8:1::/48", "a/8"),
        ("https://example.org/files/", "a/9"),
        ("https://example.org/files/a.zip", "a/10"),
        ("https://example.org/", "a/11")));

    public static TheoryData<string, string[]> Names => new()
    {
        { "example.com", ["Exact a/1"] },
        { "www.example.com", ["Wildcard a/2"] },
        { "deep.example.com", ["Wildcard a/2"] },
        { "x.deep.example.com", ["Wildcard a/3,b/1", "Wildcard a/2"] },
        { "a.b.x.deep.example.com", ["Wildcard a/3,b/1", "Wildcard a/2"] },
        { "notexample.com", [] },
        { "com", [] },
        { "example.org", [] },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchName_MostSpecificFirst(string name, string[] expected)
    {
        var found = new List<string>();
        foreach (PolicyMatch match in s_policy.MatchName(name))
        {
            found.Add(match.Kind + " " + string.Join(',', match.Entries.ToArray().Select(e => e.Order.Reference)));
        }

        Assert.Equal(expected, found);
    }

    public static TheoryData<string, string[]> Addresses => new()
    {
        { "10.1.2.3", ["Exact 10.1.2.3/32", "CoveringPrefix 10.1.0.0/16", "CoveringPrefix 10.0.0.0/8"] },
        { "10.1.9.9", ["CoveringPrefix 10.1.0.0/16", "CoveringPrefix 10.0.0.0/8"] },
        { "10.200.0.1", ["CoveringPrefix 10.0.0.0/8"] },
        { "::ffff:10.1.2.3", ["Exact 10.1.2.3/32", "CoveringPrefix 10.1.0.0/16", "CoveringPrefix 10.0.0.0/8"] },
        { "11.0.0.1", [] },
        { "2001:db8:1::5", ["CoveringPrefix 2001:db8:1::/48", "CoveringPrefix 2001:db8::/32"] },
        { "2001:db9::1", [] },
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void MatchAddress_LongestPrefixFirst(string address, string[] expected)
    {
        var found = new List<string>();
        foreach (PolicyMatch match in s_policy.MatchAddress(IPAddress.Parse(address).GetAddressBytes()))
        {
            found.Add(match.Kind + " " + match.Target);
        }

        Assert.Equal(expected, found);
    }

    public static TheoryData<string, string[]> Urls => new()
    {
        { "https://example.org/files/a.zip", ["Exact a/10", "PathPrefix a/9", "PathPrefix a/11"] },
        { "https://example.org/files/b/c.zip?x=1", ["PathPrefix a/9", "PathPrefix a/11"] },
        { "https://example.org/files/", ["Exact a/9", "PathPrefix a/11"] },
        { "https://example.org/files", ["PathPrefix a/11"] },
        { "https://example.org/", ["Exact a/11"] },
        { "http://example.org/files/a.zip", [] },
        { "https://example.org.evil/files/a.zip", [] },
    };

    [Theory]
    [MemberData(nameof(Urls))]
    public void MatchUrl_ExactThenLongestPathPrefix(string url, string[] expected)
    {
        var found = new List<string>();
        foreach (PolicyMatch match in s_policy.MatchUrl(url))
        {
            found.Add(match.Kind + " " + match.Entries[0].Order.Reference);
        }

        Assert.Equal(expected, found);
    }

    [Fact]
    public void TryMatch_HonoursTheEnforcementWindow()
    {
        var pending = new PolicyOrder("a/1", "court-order", Jan1 + 1000, null);
        var expiring = new PolicyOrder("a/2", "court-order", Jan1, Jan1 + 2000);
        var policy = CompiledPolicy.Build(new PolicyBundle("r", 1, 1, new byte[32], Jan1, [new("*.example", expiring), new("www.example", pending)]));

        Assert.True(policy.TryMatchName("www.example", Jan1, out PolicyMatch match, out PolicyOrder? order));
        Assert.Equal(MatchKind.Wildcard, match.Kind);
        Assert.Equal("a/2", order!.Reference);
        Assert.True(policy.TryMatchName("www.example", Jan1 + 1500, out match, out order));
        Assert.Equal(MatchKind.Exact, match.Kind);
        Assert.Equal("a/1", order!.Reference);
        Assert.False(policy.TryMatchName("other.example", Jan1 + 2000, out _, out _));
    }

    [Fact]
    public void Lookups_AllocateNothing()
    {
        byte[] v4 = [10, 1, 2, 3];
        byte[] v6 = IPAddress.Parse("2001:db8:1::5").GetAddressBytes();
        const string Name = "a.b.x.deep.example.com";
        const string Url = "https://example.org/files/b/c.zip?x=1";
        int Lookups()
        {
            int found = 0;
            found += s_policy.TryMatchName(Name, Jan1, out _, out _) ? 1 : 0;
            found += s_policy.TryMatchName("miss.example.net", Jan1, out _, out _) ? 1 : 0;
            found += s_policy.TryMatchAddress(v4, Jan1, out _, out _) ? 1 : 0;
            found += s_policy.TryMatchAddress(v6, Jan1, out _, out _) ? 1 : 0;
            found += s_policy.TryMatchUrl(Url, Jan1, out _, out _) ? 1 : 0;
            foreach (PolicyMatch match in s_policy.MatchName(Name))
            {
                found += match.Entries.Length;
            }

            return found;
        }

        Assert.Equal(7, Lookups());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Lookups();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TryMatchName_ManyNames_FindsEveryListedNameAndParentAndNothingElse()
    {
        // Enough names that slots share tags and runs of the open-addressing table wrap around its end.
        var order = new PolicyOrder("a/1", "court-order", Jan1, null);
        var entries = new List<BundleEntry>();
        for (int i = 0; i < 50_000; i++)
        {
            entries.Add(new BundleEntry(i % 10 == 0 ? $"*.w{i}.example" : $"n{i}.example", order));
        }

        BundleEntry[] sorted = [.. entries.Order(BundleEntry.Comparer)];
        var policy = CompiledPolicy.Build(new PolicyBundle("r", 1, 1, new byte[32], Jan1, sorted));
        Assert.Equal(45_000, policy.NameCount);
        Assert.Equal(5_000, policy.PatternCount);
        for (int i = 0; i < 50_000; i++)
        {
            string listed = i % 10 == 0 ? $"x.w{i}.example" : $"n{i}.example";
            Assert.True(policy.TryMatchName(listed, Jan1, out PolicyMatch match, out _), listed);
            Assert.Equal(i % 10 == 0 ? MatchKind.Wildcard : MatchKind.Exact, match.Kind);

            // The same names one label up or with a changed character are not listed; a pattern does not cover its parent.
            foreach (string unlisted in (string[])[$"n{i}.example.net", $"m{i}.example", $"w{i}.example", $"n{i}x.example"])
            {
                Assert.False(policy.TryMatchName(unlisted, Jan1, out _, out _), unlisted);
                Assert.False(policy.MatchName(unlisted).MoveNext(), unlisted);
            }
        }
    }

    [Theory]
    [InlineData("a.b.x.deep.example.com")]
    [InlineData("deep.example.com")]
    [InlineData("example.com")]
    [InlineData("")]
    [InlineData("com")]
    public void TryMatchName_AgreesWithTheFirstMatchOfMatchName(string name)
    {
        PolicyMatch? first = null;
        foreach (PolicyMatch match in s_policy.MatchName(name))
        {
            first = match;
            break;
        }

        bool found = s_policy.TryMatchName(name, Jan1, out PolicyMatch tried, out _);
        Assert.Equal(first is not null, found);
        Assert.Equal(first?.Target, found ? tried.Target : null);
    }

    [Fact]
    public void TryMatchName_MoreLabelsThanTheFastPathHolds_StillMatches()
    {
        // 200 labels: no domain name has that many, but the lookup must not fail on whatever it is given.
        string name = string.Concat(Enumerable.Repeat("a.", 200)) + "deep.example.com";
        Assert.True(s_policy.TryMatchName(name, Jan1, out PolicyMatch match, out _));
        Assert.Equal("*.deep.example.com", match.Target);
    }

    [Fact]
    public void EpochAt_IsOneInstanceBetweenOrderChanges_AndANewOneAcrossThem()
    {
        var inForce = new PolicyOrder("a/1", "court-order", Jan1 - 1000, null);
        var pending = new PolicyOrder("a/2", "court-order", Jan1 + 1000, Jan1 + 5000);
        var policy = CompiledPolicy.Build(new PolicyBundle("r", 1, 1, new byte[32], Jan1, [new("a.example", inForce), new("b.example", pending), new("c.example", inForce)]));

        PolicyEpoch first = policy.EpochAt(Jan1);
        Assert.Equal((Jan1 - 1000, Jan1 + 1000), (first.FromMs, first.UntilMs));
        Assert.Same(first, policy.EpochAt(Jan1 + 999));
        Assert.Same(first, policy.EpochAt(Jan1 - 1000));

        PolicyEpoch second = policy.EpochAt(Jan1 + 1000);
        Assert.NotSame(first, second);
        Assert.Equal((Jan1 + 1000, Jan1 + 5000), (second.FromMs, second.UntilMs));
        PolicyEpoch last = policy.EpochAt(Jan1 + 5000);
        Assert.Equal((Jan1 + 5000, long.MaxValue), (last.FromMs, last.UntilMs));
        Assert.Equal((long.MinValue, Jan1 - 1000), (policy.EpochAt(Jan1 - 1001).FromMs, policy.EpochAt(Jan1 - 1001).UntilMs));
        Assert.Equal((long.MinValue, long.MaxValue), (CompiledPolicy.Empty.EpochAt(Jan1).FromMs, CompiledPolicy.Empty.EpochAt(Jan1).UntilMs));
    }
}

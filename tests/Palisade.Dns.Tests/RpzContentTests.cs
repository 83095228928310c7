using Palisade.Core.Policy;

namespace Palisade.Dns.Tests;

/// <summary>A version's zone content read from its entries, and the change between two versions from one walk.</summary>
public sealed class RpzContentTests
{
    private static readonly PolicyOrder s_a = new("rkn/A", "court-order", 0, null);
    private static readonly PolicyOrder s_b = new("rkn/B", "court-order", 0, null);
    private static readonly PolicyOrder s_later = new("rkn/later", "court-order", 5_000, null);
    private static readonly PolicyOrder s_expired = new("rkn/expired", "court-order", 0, 1_000);

    private static RpzContent Version(uint serial, long logTimeMs, params BundleEntry[] entries)
    {
        Array.Sort(entries, BundleEntry.Compare);
        return new RpzContent(serial, new PolicyBundle("registry.test/log", serial, serial, new byte[32], logTimeMs, entries));
    }

    [Fact]
    public void Triggers_AreEachTargetInForceOnce_PrefixesInRpzIpForm_UrlsLeftOut()
    {
        RpzContent v1 = Version(1, 2_000,
            new("telegram.org", s_a), new("telegram.org", s_b), new("*.t.me", s_a), new("149.154.160.0/20", s_a),
            new("https://example.org/page", s_a), new("later.example", s_later), new("gone.example", s_expired));
        Assert.Equal(["*.t.me", "20.0.160.154.149.rpz-ip", "telegram.org"], v1.Triggers);
        Assert.Empty(RpzContent.Empty.Triggers);
    }

    [Fact]
    public void Between_NamesWhatWasRemovedAndAdded_CountingEveryOrderOfATarget_AndTime()
    {
        RpzContent v1 = Version(1, 2_000,
            new("telegram.org", s_a), new("telegram.org", s_b), new("a.example", s_a), new("10.0.0.0/8", s_a), new("later.example", s_later));

        // telegram.org loses one of its two orders (still in force: no change), a.example and 10/8 go, b.example comes,
        // and later.example comes into force because the version's time passed its effective time.
        RpzContent v2 = Version(2, 6_000,
            new("telegram.org", s_b), new("b.example", s_a), new("later.example", s_later), new("https://x.example/", s_a));
        RpzChange change = RpzContent.Between(v1, v2);
        Assert.Equal((1u, 2u), (change.From, change.To));
        Assert.Equal(["8.0.0.0.10.rpz-ip", "a.example"], change.Removed);
        Assert.Equal(["b.example", "later.example"], change.Added);

        // From nothing everything is added; to the same content nothing changes.
        Assert.Equal(v2.Triggers, RpzContent.Between(RpzContent.Empty, v2).Added);
        RpzChange none = RpzContent.Between(v2, Version(3, 6_000, new("telegram.org", s_b), new("b.example", s_a), new("later.example", s_later)));
        Assert.Empty(none.Removed);
        Assert.Empty(none.Added);
    }
}

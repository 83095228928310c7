using Palisade.Policy;

namespace Palisade.Dns.Tests;

/// <summary>A version's zone content read from its entries, and the change between two versions: from the targets the
/// deltas touched, or from one walk over both.</summary>
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

    [Fact]
    public void Between_FromTheDeltasTargets_LooksOnlyAtThem_AndAgreesWithTheWalk()
    {
        RpzContent v1 = Version(1, 2_000,
            new("telegram.org", s_a), new("telegram.org", s_b), new("a.example", s_a), new("10.0.0.0/8", s_a), new("kept.example", s_b));
        RpzContent v2 = Version(2, 3_000,
            new("telegram.org", s_b), new("b.example", s_a), new("kept.example", s_b), new("https://x.example/", s_a));
        string[] touched = ["10.0.0.0/8", "a.example", "b.example", "https://x.example/", "telegram.org"];

        RpzChange walked = RpzContent.Between(v1, v2);
        RpzChange fromDeltas = RpzContent.Between(v1, v2, new DeltaTargets(1, touched));
        Assert.False(walked.FromDeltas);
        Assert.True(fromDeltas.FromDeltas);
        Assert.Equal(walked.Removed, fromDeltas.Removed);
        Assert.Equal(walked.Added, fromDeltas.Added);
        Assert.Equal(["8.0.0.0.10.rpz-ip", "a.example"], fromDeltas.Removed);
        Assert.Equal(["b.example"], fromDeltas.Added);

        // Only the touched targets are looked at: told that only a.example changed, the change names nothing else.
        RpzChange partial = RpzContent.Between(v1, v2, new DeltaTargets(1, ["a.example"]));
        Assert.Equal(["a.example"], partial.Removed);
        Assert.Empty(partial.Added);

        // Deltas from another version than the zone holds are not used.
        Assert.False(RpzContent.Between(v1, v2, new DeltaTargets(7, touched)).FromDeltas);
    }

    [Fact]
    public void Between_WhenAnOrderTakesEffectOrExpiresBetweenTheVersions_WalksBoth()
    {
        // later.example's order takes effect at 5,000 and gone.example's expires at 1,000, both after version 1's time
        // (500): a delta that touches neither cannot tell, so the walk finds both.
        RpzContent v1 = Version(1, 500, new("later.example", s_later), new("gone.example", s_expired), new("a.example", s_a));
        RpzContent v2 = Version(2, 6_000, new("later.example", s_later), new("gone.example", s_expired), new("a.example", s_a), new("b.example", s_a));
        RpzChange change = RpzContent.Between(v1, v2, new DeltaTargets(1, ["b.example"]));
        Assert.False(change.FromDeltas);
        Assert.Equal(["gone.example"], change.Removed);
        Assert.Equal(["b.example", "later.example"], change.Added);

        // Before the first of those times, the deltas' targets suffice.
        RpzContent v3 = Version(2, 900, new("later.example", s_later), new("gone.example", s_expired), new("a.example", s_a), new("b.example", s_a));
        RpzChange early = RpzContent.Between(v1, v3, new DeltaTargets(1, ["b.example"]));
        Assert.True(early.FromDeltas);
        Assert.Empty(early.Removed);
        Assert.Equal(["b.example"], early.Added);
    }
}

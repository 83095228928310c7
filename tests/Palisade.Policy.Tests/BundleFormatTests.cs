using System.Text;
using Palisade.Policy;
using Palisade.Log;
using static Palisade.Policy.Tests.PolicyFixtures;

namespace Palisade.Policy.Tests;

/// <summary>The bundle and delta files: exact bytes, strict parsing, truncation, signatures.</summary>
public sealed class BundleFormatTests
{
    private static PolicyBundle Sample()
    {
        var rkn = new PolicyOrder("rkn/27-31-2018/Ид4412-18", "court-order", Jan1, null);
        var agcom = new PolicyOrder("agcom/PS 7", "copyright", Jan1, Jan1 + 86_400_500);
        return new PolicyBundle("registry.test/log", 3, 17, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), Jan1 + 1500,
        [
            new BundleEntry("*.t.me", rkn),
            new BundleEntry("149.154.160.0/20", rkn),
            new BundleEntry("https://example.org/page", agcom),
            new BundleEntry("telegram.org", agcom),
            new BundleEntry("telegram.org", rkn),
        ]);
    }

    [Fact]
    public void Bundle_Bytes_AreTheDocumentedFormat()
    {
        string text = Encoding.UTF8.GetString(Sample().ToBytes());
        Assert.Equal(
            "palisade-bundle 1\nregistry registry.test/log\nversion 3\nlog-size 17\nlog-root AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n" +
            "log-time 2026-01-01T00:00:01.500Z\nentries 5\n\n" +
            "*.t.me\trkn/27-31-2018/Ид4412-18\tcourt-order\t2026-01-01T00:00:00Z\t-\n" +
            "149.154.160.0/20\trkn/27-31-2018/Ид4412-18\tcourt-order\t2026-01-01T00:00:00Z\t-\n" +
            "https://example.org/page\tagcom/PS 7\tcopyright\t2026-01-01T00:00:00Z\t2026-01-02T00:00:00.500Z\n" +
            "telegram.org\tagcom/PS 7\tcopyright\t2026-01-01T00:00:00Z\t2026-01-02T00:00:00.500Z\n" +
            "telegram.org\trkn/27-31-2018/Ид4412-18\tcourt-order\t2026-01-01T00:00:00Z\t-\n",
            text);
    }

    [Fact]
    public void Bundle_ParseThenWrite_IsByteForByte()
    {
        byte[] bytes = Sample().ToBytes();
        PolicyBundle parsed = PolicyBundle.Parse(bytes);
        Assert.Equal(bytes, parsed.ToBytes());
        Assert.Same(parsed.Entries[3].Order, parsed.Entries[2].Order);
        Assert.Equal(3UL, parsed.Version);
        Assert.Equal(17UL, parsed.LogSize);
    }

    [Fact]
    public void Bundle_TruncatedAtEveryByte_IsRefusedWithFormatException()
    {
        byte[] bytes = Sample().ToBytes();
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<FormatException>(() => PolicyBundle.Parse(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Delta_TruncatedAtEveryByte_IsRefusedWithFormatException()
    {
        PolicyBundle bundle = Sample();
        byte[] bytes = new PolicyDelta(bundle.Registry, 4, 3, 20, bundle.LogRoot, bundle.LogTimeMs, new byte[32], bundle.Entries[..2], bundle.Entries[2..]).ToBytes();
        Assert.Equal(bytes, PolicyDelta.Parse(bytes).ToBytes());
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<FormatException>(() => PolicyDelta.Parse(bytes.AsSpan(0, length)));
        }
    }

    public static TheoryData<string, string, string> Tampered => new()
    {
        { "entries 5\n", "entries 4\n", "more after" },
        { "entries 5\n", "entries 6\n", "ends early" },
        { "version 3\n", "version 03\n", "canonical" },
        { "*.t.me\t", "zzz.example\t", "canonical order" },
        { "\t-\n1", "\t-\r\n1", "expiry" },
        { "2026-01-01T00:00:00Z\t-\n1", "2026-01-01 00:00:00\t-\n1", "effective" },
        { "telegram.org\tagcom", "telegram.org\tagcom/PS 7\tx\ty", "entry is target" },
        { "log-root AAEC", "log-root AEC", "32-byte hash" },
        { "palisade-bundle 1", "palisade-bundle 2", "version 1 bundle" },
        { "registry registry", "origin registry", "registry" },
        { "149.154", "149.154\u00e9", "printable ASCII" },
    };

    [Theory]
    [MemberData(nameof(Tampered))]
    public void Bundle_NonCanonicalOrMalformed_IsRefusedNamingTheLine(string find, string replace, string expected)
    {
        string text = Encoding.UTF8.GetString(Sample().ToBytes());
        Assert.Contains(find, text, StringComparison.Ordinal);
        FormatException e = Assert.Throws<FormatException>(() => PolicyBundle.Parse(Encoding.UTF8.GetBytes(text.Replace(find, replace, StringComparison.Ordinal))));
        Assert.StartsWith("line ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Delta_ThatDoesNotFit_IsRefused()
    {
        PolicyBundle bundle = Sample();
        var stranger = new BundleEntry("other.example", bundle.Entries[0].Order);
        var removesMissing = new PolicyDelta(bundle.Registry, 4, 3, 20, bundle.LogRoot, 0, new byte[32], [stranger], []);
        Assert.Contains("does not hold", Assert.Throws<PolicyVerificationException>(() => removesMissing.ApplyTo(bundle)).Message, StringComparison.Ordinal);
        var addsPresent = new PolicyDelta(bundle.Registry, 4, 3, 20, bundle.LogRoot, 0, new byte[32], [], [bundle.Entries[1]]);
        Assert.Contains("already holds", Assert.Throws<PolicyVerificationException>(() => addsPresent.ApplyTo(bundle)).Message, StringComparison.Ordinal);
        var wrongVersion = new PolicyDelta(bundle.Registry, 6, 5, 20, bundle.LogRoot, 0, new byte[32], [], []);
        Assert.Contains("does not apply", Assert.Throws<PolicyVerificationException>(() => wrongVersion.ApplyTo(bundle)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signature_BindsKindVersionAndBytes()
    {
        using NoteSigner signer = NoteSigner.Generate("registry.test/log");
        NoteVerifier verifier = NoteVerifier.Parse(signer.VerifierKey);
        byte[] bytes = Sample().ToBytes();
        string signature = BundleSignature.Sign(signer, "bundle", 3, bytes);
        BundleSignature.Verify(verifier, signature, "bundle", 3, bytes);

        Assert.Throws<PolicyVerificationException>(() => BundleSignature.Verify(verifier, signature, "delta", 3, bytes));
        Assert.Throws<PolicyVerificationException>(() => BundleSignature.Verify(verifier, signature, "bundle", 4, bytes));
        byte[] changed = (byte[])bytes.Clone();
        changed[^3] ^= 1;
        Assert.Throws<PolicyVerificationException>(() => BundleSignature.Verify(verifier, signature, "bundle", 3, changed));
        using NoteSigner other = NoteSigner.Generate("registry.test/log");
        Assert.Throws<PolicyVerificationException>(() => BundleSignature.Verify(verifier, BundleSignature.Sign(other, "bundle", 3, bytes), "bundle", 3, bytes));
    }
}

using Palisade.Log;

namespace Palisade.Log.Tests;

/// <summary>
/// Signed notes interoperate with the reference implementation: the key pair and note below are the published example
/// of golang.org/x/mod/sumdb/note, and Ed25519 is deterministic, so signing its text must give its note byte for byte.
/// </summary>
public sealed class SignedNoteTests
{
    private const string ReferenceVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string ReferencePrivateKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string ReferenceText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string ReferenceNote = ReferenceText + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    [Fact]
    public void Verify_ReferenceNote_ReturnsText()
    {
        NoteVerifier verifier = NoteVerifier.Parse(ReferenceVerifierKey);
        Assert.Equal(0xc74f20a3u, verifier.KeyId);
        Assert.Equal(ReferenceText, verifier.Verify(ReferenceNote).Text);
    }

    [Fact]
    public void Sign_ReferencePrivateKey_ReproducesReferenceNote()
    {
        using NoteSigner signer = NoteSigner.ParsePrivateKey(ReferencePrivateKey);
        Assert.Equal(ReferenceVerifierKey, signer.VerifierKey);
        Assert.Equal(ReferenceNote, signer.SignNote(ReferenceText));
        Assert.Equal(ReferencePrivateKey, signer.ExportPrivateKey());
    }

    [Fact]
    public void Verify_AlteredText_Throws()
    {
        NoteVerifier verifier = NoteVerifier.Parse(ReferenceVerifierKey);
        var e = Assert.Throws<CryptographicNoteException>(() => verifier.Verify(ReferenceNote.Replace("cryptography", "cryptographY", StringComparison.Ordinal)));
        Assert.Contains("does not verify", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OnlyOtherKeysSigned_Throws()
    {
        using NoteSigner other = NoteSigner.Generate("example.org/other");
        var e = Assert.Throws<CryptographicNoteException>(() => NoteVerifier.Parse(ReferenceVerifierKey).Verify(other.SignNote(ReferenceText)));
        Assert.Contains("no signature of key PeterNeumann", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_UnknownSignatureBesideKnown_Accepted()
    {
        using NoteSigner known = NoteSigner.ParsePrivateKey(ReferencePrivateKey);
        using NoteSigner other = NoteSigner.Generate("example.org/witness");
        string note = SignedNote.Format(ReferenceText, [other.Sign(ReferenceText), known.Sign(ReferenceText)]);
        SignedNote parsed = NoteVerifier.Parse(ReferenceVerifierKey).Verify(note);
        Assert.Equal(2, parsed.Signatures.Count);
    }

    [Fact]
    public void Generate_RoundTripsThroughPrivateKeyText()
    {
        using NoteSigner signer = NoteSigner.Generate("palisade.example/log");
        using NoteSigner again = NoteSigner.ParsePrivateKey(signer.ExportPrivateKey());
        Assert.Equal(signer.VerifierKey, again.VerifierKey);
        NoteVerifier.Parse(signer.VerifierKey).Verify(again.SignNote("hello\n"));
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match")]
    [InlineData("PeterNeumann+c74f20a3+ApqcqQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "Ed25519")]
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "form")]
    [InlineData("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hexadecimal")]
    [InlineData("PeterNeumann+c74f20a3", "form")]
    public void ParseVerifierKey_Mangled_ThrowsNamingProblem(string key, string expected)
    {
        var e = Assert.Throws<FormatException>(() => NoteVerifier.Parse(key));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseVerifierKey_EverySubstring_Rejected()
    {
        for (int i = 0; i <= ReferenceVerifierKey.Length; i++)
        {
            for (int j = i + 1; j <= ReferenceVerifierKey.Length; j++)
            {
                if (i != 0 || j != ReferenceVerifierKey.Length)
                {
                    string part = ReferenceVerifierKey[i..j];
                    Assert.ThrowsAny<FormatException>(() => NoteVerifier.Parse(part));
                }
            }
        }
    }

    [Fact]
    public void Parse_TruncatedAtEveryPosition_ThrowsFormatOrVerificationError()
    {
        NoteVerifier verifier = NoteVerifier.Parse(ReferenceVerifierKey);
        for (int i = 0; i < ReferenceNote.Length; i++)
        {
            string cut = ReferenceNote[..i];
            Exception? e = Record.Exception(() => verifier.Verify(cut));
            Assert.True(e is FormatException or CryptographicNoteException, $"cut at {i}: {e?.GetType().Name ?? "accepted"}");
        }
    }

    [Theory]
    [InlineData("text\n\n\u2014 k\n", "no key name")]
    [InlineData("text\n\u2014 k AAAAAAA=\n", "blank line")]
    [InlineData("text\n\n- k AAAAAAA=\n", "em dash")]
    [InlineData("text\n\n\u2014 k !!!!\n", "not base64")]
    [InlineData("text\n\n\u2014 k AAAA\n", "shorter")]
    [InlineData("te\txt\n\n\u2014 k AAAAAAA=\n", "control character")]
    public void Parse_Malformed_ThrowsNamingProblem(string note, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SignedNote.Parse(note));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_RoundTripsAndRejectsBadLines()
    {
        var checkpoint = new Checkpoint("palisade.example/log", 1234, MerkleHash.Leaf([1]));
        string text = checkpoint.ToText();
        Assert.Equal($"palisade.example/log\n1234\n{Convert.ToBase64String(checkpoint.RootHash)}\n", text);
        Checkpoint parsed = Checkpoint.Parse(text);
        Assert.Equal(checkpoint.Origin, parsed.Origin);
        Assert.Equal(checkpoint.Size, parsed.Size);
        Assert.Equal(checkpoint.RootHash, parsed.RootHash);

        Assert.Contains("leading zeros", Assert.Throws<FormatException>(() => Checkpoint.Parse("o\n01\n" + Convert.ToBase64String(new byte[32]) + "\n")).Message, StringComparison.Ordinal);
        Assert.Contains("32", Assert.Throws<FormatException>(() => Checkpoint.Parse("o\n1\nAAAA\n")).Message, StringComparison.Ordinal);
        for (int i = 0; i < text.Length; i++)
        {
            string cut = text[..i];
            Assert.Throws<FormatException>(() => Checkpoint.Parse(cut));
        }
    }
}

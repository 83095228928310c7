using System.Text;
using Palisade.Log;

namespace Palisade.Log.Tests;

/// <summary>tlog-cosignature v1.0.1 keys and signatures, against values published with transparency-dev/formats
/// (note/note_cosigv1_test.go), and the tlog-witness v1.0.0 add-checkpoint body.</summary>
public sealed class CosignatureTests
{
    private const string Checkpoint = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    [Fact]
    public void VerifierKey_Published_ParsesAndItsKeyIdRecomputes()
    {
        CosignatureVerifier verifier = CosignatureVerifier.Parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
        Assert.Equal("remora.n621.de", verifier.Name);
        Assert.Equal(0xda77ade7u, verifier.KeyId);

        // The same key with another key ID, or as a plain note key (type 0x01), is refused.
        Assert.Throws<FormatException>(() => CosignatureVerifier.Parse("remora.n621.de+da77ade8+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"));
        Assert.Throws<FormatException>(() => CosignatureVerifier.Parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"));
    }

    [Fact]
    public void Signature_Published_CarriesItsKeyIdAndTimestamp()
    {
        byte[] line = Convert.FromBase64String("ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==");
        Assert.Equal("646846b9", Convert.ToHexStringLower(line.AsSpan(0, 4)));
        Assert.True(Cosignature.TryReadTimestamp(line.AsSpan(4), out ulong timestamp));
        Assert.Equal(1727964367ul, timestamp);

        // An ordinary Ed25519 note signature (64 bytes after the key ID) is not a cosignature.
        byte[] plain = Convert.FromBase64String("eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=");
        Assert.False(Cosignature.TryReadTimestamp(plain.AsSpan(4), out _));
    }

    [Fact]
    public void Cosign_VerifiesWithItsKeyOnly_AndCoversTheWholeNoteText()
    {
        using NoteSigner key = NoteSigner.Generate("witness.test/w1");
        var cosigner = new Cosigner(key);
        NoteSignature signature = cosigner.Cosign(Checkpoint, 1_700_000_000);
        Assert.Equal(Cosignature.SignatureLength, signature.Signature.Length);
        CosignatureVerifier verifier = CosignatureVerifier.Parse(cosigner.VerifierKey);
        Assert.True(verifier.Verify(Checkpoint, signature, out ulong timestamp));
        Assert.Equal(1_700_000_000ul, timestamp);

        // The signed message is "cosignature/v1", the time, then the note text: any change breaks it.
        Assert.False(verifier.Verify(Checkpoint.Replace("20852163", "20852164", StringComparison.Ordinal), signature, out _));
        byte[] later = (byte[])signature.Signature.Clone();
        later[7]++;
        Assert.False(verifier.Verify(Checkpoint, signature with { Signature = later }, out _));

        // A note key of the same name is another key ID: its cosignatures are not this witness's.
        Assert.NotEqual(key.KeyId, cosigner.KeyId);
        Assert.False(verifier.Verify(Checkpoint, signature with { KeyId = key.KeyId }, out _));
        using NoteSigner other = NoteSigner.Generate("witness.test/w1");
        Assert.False(verifier.Verify(Checkpoint, new Cosigner(other).Cosign(Checkpoint, 1_700_000_000), out _));

        // The line reads back through the signed-note parser as the spec says clients may do.
        SignedNote note = SignedNote.Parse(SignedNote.Format(Checkpoint, [signature]));
        Assert.True(verifier.Verify(note.Text, note.Signatures[0], out _));
    }

    [Fact]
    public void AddCheckpoint_Body_RoundTripsAndNamesEachProblem()
    {
        byte[] hash = new byte[32];
        hash[0] = 7;
        string note = Checkpoint + "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
        string body = $"old 20852014\n{Convert.ToBase64String(hash)}\n{Convert.ToBase64String(hash)}\n\n{note}";
        AddCheckpointRequest request = AddCheckpointRequest.Parse(Encoding.UTF8.GetBytes(body));
        Assert.Equal(20852014ul, request.OldSize);
        Assert.Equal(2, request.Proof.Count);
        Assert.Equal(note, request.Checkpoint);
        Assert.Equal(body, request.Format());
        Assert.Equal(0ul, AddCheckpointRequest.Parse("old 0\n\nx\n"u8).OldSize);

        foreach ((string bad, string problem) in new[]
        {
            ("old 01\n\nx\n", "leading zeroes"),
            ("old -1\n\nx\n", "'old'"),
            ("new 1\n\nx\n", "'old'"),
            ("old 1\nnot base64!\n\nx\n", "not base64"),
            ("old 1\nAAAA\n\nx\n", "one SHA-256"),
            ("old 1\n\n", "no checkpoint"),
            ("old 1\n" + string.Concat(Enumerable.Repeat(Convert.ToBase64String(hash) + "\n", 64)) + "\nx\n", "more than 63"),
        })
        {
            FormatException e = Assert.Throws<FormatException>(() => AddCheckpointRequest.Parse(Encoding.UTF8.GetBytes(bad)));
            Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        }

        Assert.Throws<FormatException>(() => AddCheckpointRequest.Parse(new byte[AddCheckpointRequest.MaxBodyBytes + 1]));
        Assert.Throws<FormatException>(() => AddCheckpointRequest.Parse([0x6f, 0x6c, 0x64, 0x20, 0xff, 0x0a]));
    }

    [Fact]
    public void AddCheckpoint_EveryTruncation_IsRefusedBeforeAnythingIsCosigned()
    {
        using NoteSigner log = NoteSigner.Generate("example.com/behind-the-sofa");
        NoteVerifier verifier = NoteVerifier.Parse(log.VerifierKey);
        string body = $"old 5\n{Convert.ToBase64String(new byte[32])}\n\n{log.SignNote(Checkpoint)}";
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        Assert.Equal(Checkpoint, verifier.Verify(AddCheckpointRequest.Parse(bytes).Checkpoint).Text);
        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes[..length];
            Assert.ThrowsAny<Exception>(() => verifier.Verify(AddCheckpointRequest.Parse(prefix).Checkpoint));
        }
    }
}

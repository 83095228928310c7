using Palisade.Log;

namespace Palisade.Policy.Tests;

/// <summary>An enforcement point's signed acknowledgement (<c>palisade-ack/v1</c>).</summary>
public sealed class AcknowledgementTests
{
    [Fact]
    public void Acknowledgement_RoundTrips_AndEveryTruncationIsRefused()
    {
        using NoteSigner key = NoteSigner.Generate("isp-1/dns-1");
        var ack = new Acknowledgement("dns-1", "registry.test/log", 7, new byte[32], 1_800_000_000);
        string text = ack.ToText();
        Acknowledgement read = Acknowledgement.Parse(text);
        Assert.Equal((ack.Point, ack.Registry, ack.Version, ack.Time), (read.Point, read.Registry, read.Version, read.Time));
        Assert.Equal(text, NoteVerifier.Parse(key.VerifierKey).Verify(ack.Sign(key)).Text);
        for (int length = 0; length < text.Length; length++)
        {
            Assert.Throws<FormatException>(() => Acknowledgement.Parse(text[..length]));
        }

        Assert.Throws<FormatException>(() => Acknowledgement.Parse(text.Replace("version 7", "version 0", StringComparison.Ordinal)));
        Assert.Throws<FormatException>(() => Acknowledgement.Parse(text.Replace("bundle 00", "bundle 0A", StringComparison.Ordinal)));
    }
}

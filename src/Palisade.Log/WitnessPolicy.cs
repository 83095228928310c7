using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// Which witnesses a client trusts and how many of them must have cosigned a checkpoint (tlog-cosignature v1.0.1)
/// before the client accepts it: the protection against a log that shows different histories to different parties.
/// </summary>
public sealed class WitnessPolicy
{
    /// <summary>How far in the future a cosignature's time may be (clock skew) before it is not counted.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>Creates a policy; <paramref name="quorum"/> is between 1 and the number of witnesses.</summary>
    /// <exception cref="ArgumentException">The quorum cannot be met, or a witness is given twice.</exception>
    public WitnessPolicy(IReadOnlyList<CosignatureVerifier> witnesses, int quorum)
    {
        ArgumentNullException.ThrowIfNull(witnesses);
        if (quorum < 1 || quorum > witnesses.Count)
        {
            throw new ArgumentException($"a quorum of {quorum} cannot be met by {witnesses.Count} witness(es)", nameof(quorum));
        }

        if (witnesses.Select(w => (w.Name, w.KeyId)).Distinct().Count() != witnesses.Count)
        {
            throw new ArgumentException("a witness key is given twice", nameof(witnesses));
        }

        Witnesses = witnesses;
        Quorum = quorum;
    }

    /// <summary>The trusted witnesses.</summary>
    public IReadOnlyList<CosignatureVerifier> Witnesses { get; }

    /// <summary>How many of them must have cosigned.</summary>
    public int Quorum { get; }

    /// <summary>The witnesses whose valid cosignature, not from the future, the note carries.</summary>
    public List<string> Cosigners(SignedNote note, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(note);
        ulong latest = (ulong)Math.Max(0, (now + MaxClockSkew).ToUnixTimeSeconds());
        var found = new List<string>();
        foreach (CosignatureVerifier witness in Witnesses)
        {
            foreach (NoteSignature signature in note.Signatures)
            {
                if (witness.Verify(note.Text, signature, out ulong timestamp) && timestamp <= latest)
                {
                    found.Add(witness.Name);
                    break;
                }
            }
        }

        return found;
    }

    /// <summary>Checks that the note carries a quorum of cosignatures.</summary>
    /// <exception cref="LogVerificationException">It does not; the message names who cosigned and who did not.</exception>
    public void Check(SignedNote note, DateTimeOffset now)
    {
        List<string> cosigners = Cosigners(note, now);
        if (cosigners.Count < Quorum)
        {
            string missing = string.Join(", ", Witnesses.Select(w => w.Name).Except(cosigners));
            throw new LogVerificationException($"the checkpoint carries {cosigners.Count} valid cosignature(s) of the trusted witnesses, fewer than the quorum of {Quorum}" +
                $" (cosigned by: {(cosigners.Count == 0 ? "none" : string.Join(", ", cosigners))}; missing: {missing})");
        }
    }
}

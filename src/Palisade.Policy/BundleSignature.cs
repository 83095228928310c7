using System.Globalization;
using System.Security.Cryptography;
using Palisade.Log;
using Palisade.Core;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// The detached signature served beside a bundle or delta (<c>/v1/bundles/{n}.sig</c>): a C2SP signed note, signed
/// with the log key, whose text is <c>palisade-signature 1</c> then <c>KIND VERSION SHA256HEX</c>. The text binds
/// what the file is and which version, so a signature cannot be moved to another file; it is not a checkpoint.
/// </summary>
public static class BundleSignature
{
    private const string Header = "palisade-signature 1";

    /// <summary>The note text for a file of <paramref name="kind"/> ("bundle" or "delta").</summary>
    public static string Text(string kind, ulong version, ReadOnlySpan<byte> sha256) =>
        string.Create(CultureInfo.InvariantCulture, $"{Header}\n{kind} {version} {Convert.ToHexStringLower(sha256)}\n");

    /// <summary>Signs a file's bytes.</summary>
    public static string Sign(NoteSigner signer, string kind, ulong version, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(signer);
        return signer.SignNote(Text(kind, version, SHA256.HashData(bytes)));
    }

    /// <summary>Checks that <paramref name="note"/> is the log key's signature of exactly these bytes as that file.</summary>
    /// <exception cref="PolicyVerificationException">It is not.</exception>
    public static void Verify(NoteVerifier verifier, string note, string kind, ulong version, ReadOnlySpan<byte> bytes) =>
        VerifyHash(verifier, note, kind, version, SHA256.HashData(bytes));

    /// <summary>Checks that <paramref name="note"/> is the log key's signature of the file whose SHA-256 is
    /// <paramref name="sha256"/> (for a file hashed as it was written, never held whole).</summary>
    /// <exception cref="PolicyVerificationException">It is not.</exception>
    public static void VerifyHash(NoteVerifier verifier, string note, string kind, ulong version, ReadOnlySpan<byte> sha256)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        SignedNote signed;
        try
        {
            signed = verifier.Verify(note);
        }
        catch (Exception e) when (e is FormatException or CryptographicNoteException)
        {
            throw new PolicyVerificationException($"the signature of {kind} {version} does not verify with the registry key {verifier.Name}: {e.Message}", e);
        }

        string expected = Text(kind, version, sha256);
        if (signed.Text != expected)
        {
            throw new PolicyVerificationException($"the signature of {kind} {version} is valid but signs '{signed.Text.Replace('\n', ' ').Trim()}', not these bytes ({expected.Replace('\n', ' ').Trim()})");
        }
    }
}

using System.Globalization;
using System.Text;
using NSec.Cryptography;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>Verifies C2SP signed notes against one Ed25519 verifier key (<c>name+keyid+base64(0x01 || key)</c>).</summary>
public sealed class NoteVerifier
{
    private readonly PublicKey _key;

    private NoteVerifier(string name, uint keyId, PublicKey key, string verifierKey)
    {
        Name = name;
        KeyId = keyId;
        _key = key;
        VerifierKey = verifierKey;
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The key ID.</summary>
    public uint KeyId { get; }

    /// <summary>The verifier key text this was parsed from.</summary>
    public string VerifierKey { get; }

    /// <summary>The raw 32-byte public key.</summary>
    public byte[] PublicKeyBytes => _key.Export(KeyBlobFormat.RawPublicKey);

    /// <summary>Parses a verifier key.</summary>
    /// <exception cref="FormatException">The text is not an Ed25519 verifier key, or its key ID does not match.</exception>
    public static NoteVerifier Parse(string verifierKey)
    {
        (string name, uint keyId, PublicKey key, string text) = ParseKey(verifierKey, NoteSigner.Ed25519Type, "an Ed25519 (type 0x01)");
        return new NoteVerifier(name, keyId, key, text);
    }

    /// <summary>Reads <c>name+keyid+base64(type || 32-byte Ed25519 key)</c> and checks its key ID.</summary>
    internal static (string Name, uint KeyId, PublicKey Key, string Text) ParseKey(string verifierKey, byte type, string kind)
    {
        ArgumentNullException.ThrowIfNull(verifierKey);
        verifierKey = verifierKey.Trim();
        string[] parts = verifierKey.Split('+', 3);
        if (parts.Length != 3 || !SignedNote.IsValidKeyName(parts[0]))
        {
            throw new FormatException($"a verifier key has the form name+keyid+base64(0x{type:x2} || public key)");
        }

        if (parts[1].Length != 8 || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint keyId))
        {
            throw new FormatException($"the verifier key's key ID '{parts[1]}' is not 8 hexadecimal digits");
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("the verifier key's key material is not base64");
        }

        if (blob.Length != 33 || blob[0] != type)
        {
            throw new FormatException($"the verifier key is not {kind} public key of 32 bytes");
        }

        if (NoteSigner.ComputeKeyId(parts[0], type, blob.AsSpan(1)) != keyId)
        {
            throw new FormatException($"the verifier key's key ID {parts[1]} does not match its name and key");
        }

        return (parts[0], keyId, PublicKey.Import(SignatureAlgorithm.Ed25519, blob.AsSpan(1), KeyBlobFormat.RawPublicKey), verifierKey);
    }

    /// <summary>Parses a signed note and checks that this key signed it; signatures of other keys are ignored.</summary>
    /// <returns>The verified note; only its text may be trusted.</returns>
    /// <exception cref="FormatException">The note is malformed.</exception>
    /// <exception cref="CryptographicNoteException">The note carries no valid signature of this key.</exception>
    public SignedNote Verify(string note)
    {
        SignedNote parsed = SignedNote.Parse(note);
        byte[] text = Encoding.UTF8.GetBytes(parsed.Text);
        bool found = false;
        foreach (NoteSignature signature in parsed.Signatures)
        {
            if (signature.KeyId != KeyId || !string.Equals(signature.KeyName, Name, StringComparison.Ordinal))
            {
                continue;
            }

            if (!SignatureAlgorithm.Ed25519.Verify(_key, text, signature.Signature))
            {
                throw new CryptographicNoteException($"the signature of key {Name} ({KeyId:x8}) does not verify");
            }

            found = true;
        }

        return found ? parsed : throw new CryptographicNoteException($"the note has no signature of key {Name} ({KeyId:x8})");
    }

    /// <summary>Checks a detached Ed25519 signature over raw bytes with this key.</summary>
    public bool VerifyBytes(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        SignatureAlgorithm.Ed25519.Verify(_key, data, signature);
}

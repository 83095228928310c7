using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using NSec.Cryptography;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// C2SP tlog-cosignature v1.0.1 (<c>cosignature/v1</c>): a witness's statement that, at a time, the checkpoint is the
/// largest consistent tree head it has seen for the log. A note signature line whose key ID is
/// SHA-256(name || 0x0A || 0x04 || Ed25519 public key)[:4] and whose signature is a 72-byte timestamped signature:
/// the POSIX time (8 bytes, big-endian) and an Ed25519 signature over <c>cosignature/v1\ntime T\n</c> followed by the
/// checkpoint's note text.
/// </summary>
public static class Cosignature
{
    /// <summary>The signature type of cosignature/v1 verifier keys.</summary>
    public const byte KeyType = 0x04;

    /// <summary>Bytes of a timestamped signature.</summary>
    public const int SignatureLength = 8 + 64;

    /// <summary>The signed message for a note text (which ends in a newline) at a time.</summary>
    public static byte[] Message(string noteText, ulong timestamp)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"cosignature/v1\ntime {timestamp}\n{noteText}"));
    }

    /// <summary>Reads the timestamp of a cosignature; false when the signature is not 72 bytes or the time exceeds
    /// 2^63 - 1.</summary>
    public static bool TryReadTimestamp(ReadOnlySpan<byte> signature, out ulong timestamp)
    {
        timestamp = 0;
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        timestamp = BinaryPrimitives.ReadUInt64BigEndian(signature);
        return timestamp <= long.MaxValue;
    }
}

/// <summary>A witness's cosigning key: an Ed25519 signed-note key (its private key file is an ordinary note key, as
/// Go's note package writes it) whose verifier key has type 0x04.</summary>
public sealed class Cosigner(NoteSigner key)
{
    private readonly NoteSigner _key = key ?? throw new ArgumentNullException(nameof(key));

    /// <summary>The cosigner's name.</summary>
    public string Name => _key.Name;

    /// <summary>SHA-256(name || 0x0A || 0x04 || public key)[:4].</summary>
    public uint KeyId { get; } = NoteSigner.ComputeKeyId(key.Name, Cosignature.KeyType, key.PublicKey);

    /// <summary>The verifier key, <c>name+keyid+base64(0x04 || public key)</c>.</summary>
    public string VerifierKey => $"{Name}+{KeyId:x8}+{Convert.ToBase64String([Cosignature.KeyType, .. _key.PublicKey])}";

    /// <summary>Cosigns a checkpoint's note text (ending in a newline) at <paramref name="timestamp"/> (POSIX seconds,
    /// not zero).</summary>
    public NoteSignature Cosign(string noteText, ulong timestamp)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        if (noteText.Length == 0 || noteText[^1] != '\n')
        {
            throw new ArgumentException("a note text ends in a newline", nameof(noteText));
        }

        ArgumentOutOfRangeException.ThrowIfZero(timestamp);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timestamp, (ulong)long.MaxValue);
        byte[] signature = new byte[Cosignature.SignatureLength];
        BinaryPrimitives.WriteUInt64BigEndian(signature, timestamp);
        _key.SignBytes(Cosignature.Message(noteText, timestamp)).CopyTo(signature, 8);
        return new NoteSignature(Name, KeyId, signature);
    }
}

/// <summary>Checks cosignatures of one witness (verifier key <c>name+keyid+base64(0x04 || key)</c>).</summary>
public sealed class CosignatureVerifier
{
    private readonly PublicKey _key;

    private CosignatureVerifier(string name, uint keyId, PublicKey key, string verifierKey)
    {
        Name = name;
        KeyId = keyId;
        _key = key;
        VerifierKey = verifierKey;
    }

    /// <summary>The witness's name.</summary>
    public string Name { get; }

    /// <summary>The key ID.</summary>
    public uint KeyId { get; }

    /// <summary>The verifier key text.</summary>
    public string VerifierKey { get; }

    /// <summary>Parses a cosignature/v1 verifier key.</summary>
    /// <exception cref="FormatException">It is not one, or its key ID does not match its name and key.</exception>
    public static CosignatureVerifier Parse(string verifierKey)
    {
        (string name, uint keyId, PublicKey key, string text) = NoteVerifier.ParseKey(verifierKey, Cosignature.KeyType, "a cosignature/v1 (type 0x04)");
        return new CosignatureVerifier(name, keyId, key, text);
    }

    /// <summary>Whether <paramref name="signature"/> is this witness's valid cosignature of the note text; its time
    /// in <paramref name="timestamp"/>. Signatures of other keys are not this witness's (false).</summary>
    public bool Verify(string noteText, NoteSignature signature, out ulong timestamp)
    {
        ArgumentNullException.ThrowIfNull(signature);
        timestamp = 0;
        return signature.KeyId == KeyId && string.Equals(signature.KeyName, Name, StringComparison.Ordinal)
            && Cosignature.TryReadTimestamp(signature.Signature, out timestamp)
            && SignatureAlgorithm.Ed25519.Verify(_key, Cosignature.Message(noteText, timestamp), signature.Signature.AsSpan(8));
    }
}

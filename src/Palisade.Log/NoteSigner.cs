using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// An Ed25519 signed-note key (signature type 0x01): signs note text and names its verifier key
/// <c>name+keyid+base64(0x01 || public key)</c>, the form note and checkpoint verifiers are configured with.
/// The private key is written as <c>PRIVATE+KEY+name+keyid+base64(0x01 || seed)</c>, the form Go's note package reads.
/// </summary>
public sealed class NoteSigner : IDisposable
{
    internal const byte Ed25519Type = 0x01;
    private const string PrivatePrefix = "PRIVATE+KEY+";

    private readonly Key _key;

    private NoteSigner(string name, Key key)
    {
        Name = name;
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyId = ComputeKeyId(name, Ed25519Type, PublicKey);
    }

    /// <summary>The key name, in checkpoints the log's origin.</summary>
    public string Name { get; }

    /// <summary>The 32-byte Ed25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The key ID: the first four bytes of SHA-256(name || 0x0A || 0x01 || public key).</summary>
    public uint KeyId { get; }

    /// <summary>The verifier key, <c>name+keyid+base64(0x01 || public key)</c>.</summary>
    public string VerifierKey => $"{Name}+{KeyId:x8}+{Convert.ToBase64String([Ed25519Type, .. PublicKey])}";

    /// <summary>Creates a new random key.</summary>
    public static NoteSigner Generate(string name)
    {
        CheckName(name);
        var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new NoteSigner(name, key);
    }

    /// <summary>Reads a private key written by <see cref="ExportPrivateKey"/>.</summary>
    /// <exception cref="FormatException">The text is not a valid Ed25519 signed-note private key.</exception>
    public static NoteSigner ParsePrivateKey(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (!text.StartsWith(PrivatePrefix, StringComparison.Ordinal))
        {
            throw new FormatException("a signed-note private key starts with PRIVATE+KEY+");
        }

        string[] parts = text[PrivatePrefix.Length..].Split('+', 3);
        if (parts.Length != 3)
        {
            throw new FormatException("a signed-note private key has the form PRIVATE+KEY+name+keyid+base64");
        }

        CheckName(parts[0]);
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("the private key's key material is not base64");
        }

        if (blob.Length != 33 || blob[0] != Ed25519Type)
        {
            throw new FormatException("the private key is not an Ed25519 (type 0x01) seed of 32 bytes");
        }

        var key = Key.Import(SignatureAlgorithm.Ed25519, blob.AsSpan(1), KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var signer = new NoteSigner(parts[0], key);
        if (!string.Equals(parts[1], signer.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            signer.Dispose();
            throw new FormatException($"the private key's key ID {parts[1]} does not match its name and key");
        }

        return signer;
    }

    /// <summary>The private key as <c>PRIVATE+KEY+name+keyid+base64(0x01 || seed)</c>.</summary>
    public string ExportPrivateKey()
    {
        byte[] seed = _key.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            return $"{PrivatePrefix}{Name}+{KeyId:x8}+{Convert.ToBase64String([Ed25519Type, .. seed])}";
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Signs raw bytes (a detached signature, as for bundles).</summary>
    public byte[] SignBytes(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(_key, data);

    /// <summary>Signs a note text (which must end in a newline) and returns the signature line's value.</summary>
    public NoteSignature Sign(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text[^1] != '\n')
        {
            throw new ArgumentException("a note text ends in a newline", nameof(text));
        }

        return new NoteSignature(Name, KeyId, SignBytes(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Signs a note text and formats the whole signed note.</summary>
    public string SignNote(string text) => SignedNote.Format(text, [Sign(text)]);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    /// <summary>SHA-256(name || 0x0A || type || public key)[:4], big-endian.</summary>
    internal static uint ComputeKeyId(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = type;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    private static void CheckName(string name)
    {
        if (!SignedNote.IsValidKeyName(name))
        {
            throw new FormatException($"the key name '{name}' is empty or contains a space or '+'");
        }
    }
}

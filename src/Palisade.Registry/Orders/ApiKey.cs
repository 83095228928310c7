using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Palisade.Registry;

/// <summary>
/// An API key as a caller presents it: <c>pal_{id}_{secret}</c>, the secret 256 random bits in unpadded base64url
/// (RFC 4648 §5). The registry stores only SHA-256 of the secret and accepts exactly the one spelling it printed.
/// </summary>
internal readonly struct ApiKey
{
    private const string Prefix = "pal_";

    /// <summary>Bytes of a secret (256 bits).</summary>
    private const int SecretLength = 32;

    /// <summary>Characters of the secret in unpadded base64url.</summary>
    private const int SecretCharacters = 43;

    /// <summary>The longest key text looked at.</summary>
    private const int MaxLength = 100;

    private static readonly SearchValues<char> s_base64Url = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly byte[] _secret;

    private ApiKey(string id, byte[] secret)
    {
        Id = id;
        _secret = secret;
    }

    /// <summary>The key's public id (logged in <c>key.created</c>).</summary>
    public string Id { get; }

    /// <summary>The text the caller sends as <c>Authorization: Bearer</c>.</summary>
    public string Text => Prefix + Id + "_" + Base64Url.EncodeToString(_secret);

    /// <summary>What the registry stores: SHA-256 of the secret.</summary>
    public byte[] SecretHash => SHA256.HashData(_secret);

    /// <summary>A new key with a fresh secret for <paramref name="id"/>.</summary>
    public static ApiKey Create(string id) => new(id, RandomNumberGenerator.GetBytes(SecretLength));

    /// <summary>Reads a key; false for anything but the one spelling <see cref="Text"/> writes (a decoder alone would
    /// also take padding, the standard alphabet and other values of the unused final bits).</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ApiKey? key)
    {
        key = null;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length > MaxLength)
        {
            return false;
        }

        int split = text.IndexOf('_', Prefix.Length);
        if (split < 0)
        {
            return false;
        }

        ReadOnlySpan<char> encoded = text.AsSpan(split + 1);
        if (encoded.Length != SecretCharacters || encoded.ContainsAnyExcept(s_base64Url))
        {
            return false;
        }

        byte[] secret = Convert.FromBase64String(encoded.ToString().Replace('-', '+').Replace('_', '/') + "=");
        if (!encoded.SequenceEqual(Base64Url.EncodeToString(secret)))
        {
            return false;
        }

        key = new ApiKey(text[Prefix.Length..split], secret);
        return true;
    }

    /// <summary>Whether this key's secret is the one whose hash is stored, compared in constant time.</summary>
    public bool Matches(byte[] storedHash) => CryptographicOperations.FixedTimeEquals(storedHash, SecretHash);
}

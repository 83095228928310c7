using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Palisade.Inspect;

/// <summary>
/// Opens a client's QUIC Initial packets (RFC 9000 §17.2.2, RFC 9001 §5, RFC 9369 for version 2, and the drafts and
/// Google T05x versions tshark reads): the keys come from the Destination Connection ID of the client's first Initial
/// and a salt each version publishes, so no secret is involved. Header protection is removed, the payload decrypted, and
/// the CRYPTO frames handed to the caller. Nothing else in the connection can be read, and nothing else is tried.
/// </summary>
public sealed class QuicInitial : IDisposable
{
    /// <summary>Longest connection id (RFC 9000 §17.2).</summary>
    public const int MaxConnectionIdLength = 20;

    private static readonly byte[] SaltV1 = Convert.FromHexString("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
    private static readonly byte[] SaltV2 = Convert.FromHexString("0dede3def700a6db819381be6e269dcbf9bd2ed9");
    private static readonly byte[] SaltDraft22 = Convert.FromHexString("7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a");
    private static readonly byte[] SaltDraft23 = Convert.FromHexString("c3eef712c72ebb5a11a7d2432bb46365bef9f502");
    private static readonly byte[] SaltDraft29 = Convert.FromHexString("afbfec289993d24c9e9786f19c6111e04390a899");
    private static readonly byte[] SaltT50 = Convert.FromHexString("7ff579e5acd072915580304c43a2367c60488310");
    private static readonly byte[] SaltT51 = Convert.FromHexString("7a4edef4e7ccee5fa4506c19124fc8ccda6e033d");

    private readonly AesGcm _aead;
    private readonly Aes _headerProtection;
    private readonly byte[] _iv;
    private long _largestPacketNumber = -1;

    private QuicInitial(uint version, byte[] key, byte[] iv, byte[] hp)
    {
        Version = version;
        _aead = new AesGcm(key, 16);
        _headerProtection = Aes.Create();
        _headerProtection.Key = hp;
        _iv = iv;
    }

    /// <summary>The QUIC version.</summary>
    public uint Version { get; }

    /// <summary>The salt and whether version 2's labels and packet types apply; null for a version not read.</summary>
    internal static (byte[] Salt, bool V2)? Parameters(uint version) => version switch
    {
        0x00000001 or 0xFF000021 or 0xFF000022 => (SaltV1, false),
        0x6B3343CF => (SaltV2, true),
        >= 0xFF00001D and <= 0xFF000020 => (SaltDraft29, false),
        >= 0xFF000017 and <= 0xFF00001C => (SaltDraft23, false),
        0xFF000016 or 0xFACEB001 => (SaltDraft22, false),
        0xFACEB002 or 0xFACEB00E => (SaltDraft23, false),
        0x54303530 => (SaltT50, false),
        0x54303531 => (SaltT51, false),
        // Versions reserved to force version negotiation (RFC 9000 §15, 0x?a?a?a?a): their Initials are protected with
        // the draft-29 salt, as the clients that send them and tshark have it.
        _ when (version & 0x0F0F0F0F) == 0x0A0A0A0A => (SaltDraft29, false),
        _ => null,
    };

    /// <summary>The client keys of a connection whose client first sent <paramref name="destinationId"/>; null for a
    /// version not read.</summary>
    public static QuicInitial? ForClient(uint version, ReadOnlySpan<byte> destinationId)
    {
        if (Parameters(version) is not { } parameters)
        {
            return null;
        }

        byte[] initial = HKDF.Extract(HashAlgorithmName.SHA256, destinationId.ToArray(), parameters.Salt);
        byte[] client = ExpandLabel(initial, "client in", 32);
        string prefix = parameters.V2 ? "quicv2 " : "quic ";
        return new QuicInitial(version, ExpandLabel(client, prefix + "key", 16), ExpandLabel(client, prefix + "iv", 12), ExpandLabel(client, prefix + "hp", 16));
    }

    /// <summary>The long header of the packet at the start of <paramref name="datagram"/>: whether it is an Initial, its
    /// version and connection id, and its length in the datagram (the rest may be further coalesced packets).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static DecodeStatus ReadHeader(ReadOnlySpan<byte> datagram, out uint version, out ReadOnlySpan<byte> destinationId, out bool initial, out int packetLength)
    {
        version = 0;
        destinationId = default;
        initial = false;
        packetLength = 0;
        if (datagram.Length < 7 || (datagram[0] & 0x80) == 0)
        {
            return DecodeStatus.Unsupported;
        }

        version = BinaryPrimitives.ReadUInt32BigEndian(datagram[1..]);
        int position = 5;
        int dcidLength = datagram[position++];
        if (dcidLength > MaxConnectionIdLength || position + dcidLength + 1 > datagram.Length)
        {
            return DecodeStatus.Invalid;
        }

        destinationId = datagram.Slice(position, dcidLength);
        position += dcidLength;
        int scidLength = datagram[position++];
        if (scidLength > MaxConnectionIdLength || position + scidLength > datagram.Length)
        {
            return DecodeStatus.Invalid;
        }

        position += scidLength;
        if (Parameters(version) is not { } parameters)
        {
            return DecodeStatus.Unsupported;
        }

        int type = (datagram[0] >> 4) & 3;
        initial = type == (parameters.V2 ? 1 : 0);
        if (type == (parameters.V2 ? 0 : 3))
        {
            // Retry: no length; it ends the datagram.
            packetLength = datagram.Length;
            return DecodeStatus.Ok;
        }

        if (initial)
        {
            if (!ReadVarint(datagram, ref position, out ulong tokenLength) || position + (long)tokenLength > datagram.Length)
            {
                return DecodeStatus.Invalid;
            }

            position += (int)tokenLength;
        }

        if (!ReadVarint(datagram, ref position, out ulong length) || position + (long)length > datagram.Length)
        {
            return DecodeStatus.Invalid;
        }

        packetLength = position + (int)length;
        return DecodeStatus.Ok;
    }

    /// <summary>Decrypts one Initial packet (the header read by <see cref="ReadHeader"/>) and adds each CRYPTO frame to
    /// <paramref name="crypto"/>. False when it does not open with these keys (another connection, or damaged).</summary>
    public bool TryOpen(ReadOnlySpan<byte> packet, Action<ulong, ReadOnlySpan<byte>> crypto)
    {
        ArgumentNullException.ThrowIfNull(crypto);
        if (ReadHeader(packet, out uint version, out _, out bool initial, out int packetLength) != DecodeStatus.Ok || !initial || version != Version)
        {
            return false;
        }

        packet = packet[..packetLength];
        int position = 5;
        position += 1 + packet[position];
        position += 1 + packet[position];
        if (!ReadVarint(packet, ref position, out ulong tokenLength))
        {
            return false;
        }

        position += (int)tokenLength;
        if (!ReadVarint(packet, ref position, out _))
        {
            return false;
        }

        int pnOffset = position;
        if (pnOffset + 4 + 16 > packet.Length)
        {
            return false;
        }

        Span<byte> mask = stackalloc byte[16];
        _headerProtection.EncryptEcb(packet.Slice(pnOffset + 4, 16), mask, PaddingMode.None);
        byte first = (byte)(packet[0] ^ (mask[0] & 0x0F));
        int pnLength = (first & 3) + 1;
        int headerLength = pnOffset + pnLength;
        if (headerLength + 16 > packet.Length)
        {
            return false;
        }

        Span<byte> header = headerLength <= 128 ? stackalloc byte[headerLength] : new byte[headerLength];
        packet[..headerLength].CopyTo(header);
        header[0] = first;
        long truncated = 0;
        for (int i = 0; i < pnLength; i++)
        {
            header[pnOffset + i] ^= mask[1 + i];
            truncated = (truncated << 8) | header[pnOffset + i];
        }

        long packetNumber = DecodePacketNumber(_largestPacketNumber, truncated, pnLength * 8);
        Span<byte> nonce = stackalloc byte[12];
        _iv.CopyTo(nonce);
        for (int i = 0; i < 8; i++)
        {
            nonce[11 - i] ^= (byte)(packetNumber >> (8 * i));
        }

        ReadOnlySpan<byte> sealedPayload = packet[headerLength..];
        byte[] plain = new byte[sealedPayload.Length - 16];
        try
        {
            _aead.Decrypt(nonce, sealedPayload[..^16], sealedPayload[^16..], plain, header);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        _largestPacketNumber = Math.Max(_largestPacketNumber, packetNumber);

        // Google's T05x versions number the CRYPTO frame 0x08 (their frame types predate RFC 9000's).
        ReadFrames(plain, (Version & 0xFFFFFF00) == 0x54303500 ? 0x08UL : 0x06UL, crypto);
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _aead.Dispose();
        _headerProtection.Dispose();
    }

    /// <summary>RFC 9000 §A.3: the full packet number closest to the next one expected.</summary>
    private static long DecodePacketNumber(long largest, long truncated, int bits)
    {
        long expected = largest + 1, window = 1L << bits, half = window / 2, mask = window - 1;
        long candidate = (expected & ~mask) | truncated;
        if (candidate <= expected - half && candidate < (1L << 62) - window)
        {
            return candidate + window;
        }

        if (candidate > expected + half && candidate >= window)
        {
            return candidate - window;
        }

        return candidate;
    }

    /// <summary>The frames of an Initial: PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE; anything else ends the read.</summary>
    private static void ReadFrames(ReadOnlySpan<byte> plain, ulong cryptoType, Action<ulong, ReadOnlySpan<byte>> crypto)
    {
        int position = 0;
        while (position < plain.Length)
        {
            if (!ReadVarint(plain, ref position, out ulong type))
            {
                return;
            }

            if (type == cryptoType)
            {
                if (!ReadVarint(plain, ref position, out ulong offset) || !ReadVarint(plain, ref position, out ulong length) || position + (long)length > plain.Length)
                {
                    return;
                }

                crypto(offset, plain.Slice(position, (int)length));
                position += (int)length;
                continue;
            }

            switch (type)
            {
                case 0x00 or 0x01:
                    break;
                case 0x02 or 0x03:
                    if (!ReadVarint(plain, ref position, out _) || !ReadVarint(plain, ref position, out _) || !ReadVarint(plain, ref position, out ulong ranges)
                        || !ReadVarint(plain, ref position, out _) || ranges > 256)
                    {
                        return;
                    }

                    for (ulong r = 0; r < ranges * 2 + (type == 0x03 ? 3UL : 0UL); r++)
                    {
                        if (!ReadVarint(plain, ref position, out _))
                        {
                            return;
                        }
                    }

                    break;
                case 0x1C or 0x1D:
                    if (!ReadVarint(plain, ref position, out _) || (type == 0x1C && !ReadVarint(plain, ref position, out _))
                        || !ReadVarint(plain, ref position, out ulong reason) || position + (long)reason > plain.Length)
                    {
                        return;
                    }

                    position += (int)reason;
                    break;
                default:
                    return;
            }
        }
    }

    /// <summary>A variable-length integer (RFC 9000 §16).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static bool ReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        if (position >= data.Length)
        {
            return false;
        }

        int length = 1 << (data[position] >> 6);
        if (position + length > data.Length)
        {
            return false;
        }

        value = (ulong)(data[position] & 0x3F);
        for (int i = 1; i < length; i++)
        {
            value = (value << 8) | data[position + i];
        }

        position += length;
        return true;
    }

    /// <summary>HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.</summary>
    private static byte[] ExpandLabel(byte[] secret, string label, int length)
    {
        byte[] full = System.Text.Encoding.ASCII.GetBytes("tls13 " + label);
        byte[] info = new byte[2 + 1 + full.Length + 1];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)length);
        info[2] = (byte)full.Length;
        full.CopyTo(info, 3);
        return HKDF.Expand(HashAlgorithmName.SHA256, secret, length, info);
    }
}

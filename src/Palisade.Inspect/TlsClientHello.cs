using System.Buffers.Binary;

namespace Palisade.Inspect;

/// <summary>
/// Reads the server name from a TLS ClientHello handshake message (RFC 8446 §4.1.2, RFC 6066 §3): type 1, a 3-byte
/// length, version, random, session id, cipher suites, compression methods, extensions. A message that carries Encrypted
/// Client Hello (extension 0xfe0d) gives its outer name. Every length is checked against what it is inside.
/// </summary>
public static class TlsClientHello
{
    /// <summary>Largest ClientHello read (a message claiming more is treated as not a ClientHello).</summary>
    public const int MaxLength = 64 * 1024;

    private const ushort ServerNameExtension = 0, EncryptedClientHelloExtension = 0xFE0D;

    /// <summary>The message's total length (header included) when the first 4 bytes are a ClientHello header.</summary>
    public static DecodeStatus MessageLength(ReadOnlySpan<byte> data, out int length)
    {
        length = 0;
        if (data.Length < 4)
        {
            return DecodeStatus.Incomplete;
        }

        int body = (data[1] << 16) | (data[2] << 8) | data[3];
        if (data[0] != 1 || body < 38 || body + 4 > MaxLength)
        {
            return DecodeStatus.Invalid;
        }

        length = body + 4;
        return DecodeStatus.Ok;
    }

    /// <summary>Reads a whole ClientHello message; <paramref name="name"/> is null when it names no server.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static DecodeStatus TryRead(ReadOnlySpan<byte> message, out string? name, out bool outer)
    {
        (name, outer) = (null, false);
        DecodeStatus status = MessageLength(message, out int length);
        if (status != DecodeStatus.Ok)
        {
            return status;
        }

        if (message.Length < length)
        {
            return DecodeStatus.Incomplete;
        }

        ReadOnlySpan<byte> body = message[4..length];
        int position = 2 + 32;
        if (!Skip8(body, ref position) || !Skip16(body, ref position) || !Skip8(body, ref position))
        {
            return DecodeStatus.Invalid;
        }

        if (position == body.Length)
        {
            return DecodeStatus.Ok; // No extensions.
        }

        if (position + 2 > body.Length)
        {
            return DecodeStatus.Invalid;
        }

        // Extensions are read as far as they are well-formed (tshark does the same): a damaged one after the server
        // name does not hide it.
        int extensionsEnd = Math.Min(body.Length, position + 2 + BinaryPrimitives.ReadUInt16BigEndian(body[position..]));
        position += 2;
        while (position + 4 <= extensionsEnd)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(body[position..]);
            int extensionLength = BinaryPrimitives.ReadUInt16BigEndian(body[(position + 2)..]);
            position += 4;
            if (position + extensionLength > extensionsEnd)
            {
                break;
            }

            ReadOnlySpan<byte> data = body.Slice(position, extensionLength);
            position += extensionLength;
            if (type == EncryptedClientHelloExtension)
            {
                outer = true;
            }
            else if (type == ServerNameExtension && name is null)
            {
                name = ServerName(data);
            }
        }

        return DecodeStatus.Ok;
    }

    /// <summary>The first host_name of a server_name extension's list, lower-cased; null when there is none.</summary>
    private static string? ServerName(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            return null;
        }

        ReadOnlySpan<byte> list = data[2..Math.Min(data.Length, 2 + BinaryPrimitives.ReadUInt16BigEndian(data))];
        while (list.Length >= 3)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(list[1..]);
            if (3 + length > list.Length)
            {
                return null;
            }

            if (list[0] == 0)
            {
                return NameText.Lower(list.Slice(3, length));
            }

            list = list[(3 + length)..];
        }

        return null;
    }

    private static bool Skip8(ReadOnlySpan<byte> body, ref int position)
    {
        if (position + 1 > body.Length || position + 1 + body[position] > body.Length)
        {
            return false;
        }

        position += 1 + body[position];
        return true;
    }

    private static bool Skip16(ReadOnlySpan<byte> body, ref int position)
    {
        if (position + 2 > body.Length)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(body[position..]);
        if (position + 2 + length > body.Length)
        {
            return false;
        }

        position += 2 + length;
        return true;
    }
}

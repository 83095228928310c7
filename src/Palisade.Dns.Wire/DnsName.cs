using System.Buffers.Binary;

namespace Palisade.Dns.Wire;

/// <summary>Names on the wire: skipping one (with compression, RFC 1035 §4.1.4) and writing one.</summary>
public static class DnsName
{
    /// <summary>Moves past a name at <paramref name="position"/>: its labels up to the root or the first pointer.</summary>
    public static DnsParseStatus Skip(ReadOnlySpan<byte> message, ref int position)
    {
        int total = 0;
        while (true)
        {
            if (position >= message.Length)
            {
                return DnsParseStatus.Incomplete;
            }

            byte length = message[position];
            if (length == 0)
            {
                position++;
                return DnsParseStatus.Ok;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (position + 2 > message.Length)
                {
                    return DnsParseStatus.Incomplete;
                }

                position += 2;
                return DnsParseStatus.Ok;
            }

            if ((length & 0xC0) != 0)
            {
                return DnsParseStatus.Invalid;
            }

            total += length + 1;
            if (total > DnsConstants.MaxNameLength)
            {
                return DnsParseStatus.Invalid;
            }

            position += length + 1;
        }
    }

    /// <summary>
    /// Moves past a name at <paramref name="position"/>, checking all of it through its compression pointers (RFC 1035
    /// §4.1.4): every pointer goes strictly backwards from the labels it continues and never into the header, so a
    /// pointer loop is refused rather than followed, and the name is at most 255 bytes.
    /// </summary>
    public static DnsParseStatus SkipChecked(ReadOnlySpan<byte> message, ref int position)
    {
        int cursor = position;
        int limit = position;
        int end = -1;
        int total = 1;
        while (true)
        {
            if (cursor >= message.Length)
            {
                return DnsParseStatus.Incomplete;
            }

            byte length = message[cursor];
            if (length == 0)
            {
                position = end < 0 ? cursor + 1 : end;
                return DnsParseStatus.Ok;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (cursor + 2 > message.Length)
                {
                    return DnsParseStatus.Incomplete;
                }

                int target = ((length & 0x3F) << 8) | message[cursor + 1];
                if (target >= limit || target < DnsConstants.HeaderLength)
                {
                    return DnsParseStatus.Invalid;
                }

                if (end < 0)
                {
                    end = cursor + 2;
                }

                cursor = limit = target;
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                return DnsParseStatus.Invalid;
            }

            total += length + 1;
            if (total > DnsConstants.MaxNameLength)
            {
                return DnsParseStatus.Invalid;
            }

            cursor += length + 1;
        }
    }

    /// <summary>The most compression pointers <see cref="Read"/> follows in one name.</summary>
    public const int MaxPointerHops = 32;

    /// <summary>
    /// Reads the name at <paramref name="position"/> as dotted text (label bytes as they are, no trailing dot; nothing for
    /// the root) into <paramref name="destination"/>, following compression pointers (RFC 1035 §4.1.4) wherever they
    /// point, at most <see cref="MaxPointerHops"/> of them, and moves <paramref name="position"/> past the name as it
    /// appears there. Made for reading what others sent (a capture): a name that does not fit
    /// <paramref name="destination"/>, a reserved label type or too many pointers is Invalid; one cut short is Incomplete.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static DnsParseStatus Read(ReadOnlySpan<byte> message, ref int position, Span<byte> destination, out int written)
    {
        written = 0;
        int cursor = position, hops = 0;
        bool jumped = false;
        while (true)
        {
            if (cursor >= message.Length)
            {
                return DnsParseStatus.Incomplete;
            }

            byte length = message[cursor];
            if (length == 0)
            {
                if (!jumped)
                {
                    position = cursor + 1;
                }

                return DnsParseStatus.Ok;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (cursor + 2 > message.Length)
                {
                    return DnsParseStatus.Incomplete;
                }

                if (++hops > MaxPointerHops)
                {
                    return DnsParseStatus.Invalid;
                }

                if (!jumped)
                {
                    position = cursor + 2;
                    jumped = true;
                }

                cursor = BinaryPrimitives.ReadUInt16BigEndian(message[cursor..]) & 0x3FFF;
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                return DnsParseStatus.Invalid;
            }

            if (cursor + 1 + length > message.Length)
            {
                return DnsParseStatus.Incomplete;
            }

            int needed = (written > 0 ? 1 : 0) + length;
            if (written + needed > destination.Length)
            {
                return DnsParseStatus.Invalid;
            }

            if (written > 0)
            {
                destination[written++] = (byte)'.';
            }

            message.Slice(cursor + 1, length).CopyTo(destination[written..]);
            written += length;
            cursor += 1 + length;
        }
    }

    /// <summary>Writes a dotted name (no trailing dot; "" is the root) in wire form; returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<char> name, Span<byte> destination)
    {
        int position = 0;
        while (!name.IsEmpty)
        {
            int dot = name.IndexOf('.');
            ReadOnlySpan<char> label = dot < 0 ? name : name[..dot];
            if (label.Length is 0 or > 63)
            {
                throw new ArgumentException($"'{name}' has an empty or over-long label", nameof(name));
            }

            destination[position++] = (byte)label.Length;
            foreach (char c in label)
            {
                destination[position++] = (byte)c;
            }

            name = dot < 0 ? [] : name[(dot + 1)..];
        }

        destination[position++] = 0;
        return position;
    }

    /// <summary>The wire length of a dotted name.</summary>
    public static int WireLength(ReadOnlySpan<char> name) => name.IsEmpty ? 1 : name.Length + 2;
}

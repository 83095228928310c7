using System.Buffers.Binary;

namespace Palisade.Inspect;

/// <summary>Reads the question names of a DNS query (QR clear; responses are left out), following compression pointers
/// with a bound on hops, every offset checked.</summary>
public static class DnsQuestions
{
    /// <summary>Most questions read from one message.</summary>
    public const int MaxQuestions = 64;

    private const int MaxPointerHops = 32;

    /// <summary>Adds the question names of <paramref name="message"/> to <paramref name="names"/> if it is a query.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static DecodeStatus TryRead(ReadOnlySpan<byte> message, List<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (message.Length < 12)
        {
            return DecodeStatus.Incomplete;
        }

        if ((message[2] & 0x80) != 0)
        {
            return DecodeStatus.Unsupported;
        }

        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int position = 12;
        var name = new List<byte>();
        for (int q = 0; q < Math.Min(questions, MaxQuestions); q++)
        {
            name.Clear();
            DecodeStatus status = ReadName(message, ref position, name);
            if (status != DecodeStatus.Ok)
            {
                return status;
            }

            if (position + 4 > message.Length)
            {
                return DecodeStatus.Incomplete;
            }

            position += 4;
            names.Add(name.Count == 0 ? "<root>" : NameText.Lower(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(name)));
        }

        return DecodeStatus.Ok;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static DecodeStatus ReadName(ReadOnlySpan<byte> message, ref int position, List<byte> name)
    {
        int cursor = position, hops = 0;
        bool jumped = false;
        while (true)
        {
            if (cursor >= message.Length)
            {
                return DecodeStatus.Incomplete;
            }

            byte length = message[cursor];
            if (length == 0)
            {
                if (!jumped)
                {
                    position = cursor + 1;
                }

                return name.Count > 1024 ? DecodeStatus.Invalid : DecodeStatus.Ok;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (cursor + 2 > message.Length)
                {
                    return DecodeStatus.Incomplete;
                }

                if (++hops > MaxPointerHops)
                {
                    return DecodeStatus.Invalid;
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
                return DecodeStatus.Invalid;
            }

            if (cursor + 1 + length > message.Length)
            {
                return DecodeStatus.Incomplete;
            }

            if (name.Count > 0)
            {
                name.Add((byte)'.');
            }

            name.AddRange(message.Slice(cursor + 1, length));
            if (name.Count > 1024)
            {
                return DecodeStatus.Invalid;
            }

            cursor += 1 + length;
        }
    }
}

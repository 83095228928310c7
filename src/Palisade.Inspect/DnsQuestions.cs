using System.Buffers;
using System.Buffers.Binary;
using Palisade.Dns.Wire;

namespace Palisade.Inspect;

/// <summary>Reads the question names of a DNS query (QR clear; responses are left out) with the wire library's reader
/// (<see cref="DnsName.Read"/>): compression pointers followed with a bound on hops, every offset checked.</summary>
public static class DnsQuestions
{
    /// <summary>Most questions read from one message.</summary>
    public const int MaxQuestions = 64;

    /// <summary>The longest name text read (longer than DNS allows, so that a capture's malformed names still show).</summary>
    public const int MaxNameText = 1024;

    /// <summary>Adds the question names of <paramref name="message"/> to <paramref name="names"/> if it is a query.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static DecodeStatus TryRead(ReadOnlySpan<byte> message, List<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (message.Length < DnsConstants.HeaderLength)
        {
            return DecodeStatus.Incomplete;
        }

        if ((BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.FlagsOffset..]) & DnsConstants.FlagQr) != 0)
        {
            return DecodeStatus.Unsupported;
        }

        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.QuestionCountOffset..]);
        int position = DnsConstants.HeaderLength;
        byte[] rented = ArrayPool<byte>.Shared.Rent(MaxNameText);
        try
        {
            Span<byte> name = rented.AsSpan(0, MaxNameText);
            for (int q = 0; q < Math.Min(questions, MaxQuestions); q++)
            {
                DnsParseStatus status = DnsName.Read(message, ref position, name, out int length);
                if (status != DnsParseStatus.Ok)
                {
                    return status == DnsParseStatus.Incomplete ? DecodeStatus.Incomplete : DecodeStatus.Invalid;
                }

                if (position + 4 > message.Length)
                {
                    return DecodeStatus.Incomplete;
                }

                position += 4;
                names.Add(length == 0 ? "<root>" : NameText.Lower(name[..length]));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return DecodeStatus.Ok;
    }
}

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

    /// <summary>Most additional records a query read on a port that is not DNS's may have (EDNS, a TSIG: a few).</summary>
    public const int MaxHeuristicAdditional = 10;

    /// <summary>
    /// Whether a UDP payload on a port that is not DNS's is a DNS query all the same (DNSCrypt's certificate queries on
    /// 443, resolvers on odd ports), as tshark's heuristic reads it: a standard query (QR and opcode clear) with one
    /// question, no answer or authority records and at most <see cref="MaxHeuristicAdditional"/> additional ones, whose
    /// question name and type and class are all there.
    /// </summary>
    public static bool LooksLikeQuery(ReadOnlySpan<byte> message)
    {
        if (message.Length <= DnsConstants.HeaderLength)
        {
            return false;
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.FlagsOffset..]);
        if ((flags & DnsConstants.FlagQr) != 0 || ((flags >> 11) & 0xF) != 0
            || BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.QuestionCountOffset..]) != 1
            || BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AnswerCountOffset..]) != 0
            || BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AuthorityCountOffset..]) != 0
            || BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AdditionalCountOffset..]) > MaxHeuristicAdditional)
        {
            return false;
        }

        int position = DnsConstants.HeaderLength;
        return DnsName.Skip(message, ref position) == DnsParseStatus.Ok && position + 4 <= message.Length;
    }

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

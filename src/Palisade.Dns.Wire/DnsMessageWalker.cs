using System.Buffers.Binary;

namespace Palisade.Dns.Wire;

/// <summary>Steps through the resource records of a response (after its question) to read or age their TTLs.</summary>
public static class DnsMessageWalker
{
    /// <summary>Most records read from one response.</summary>
    public const int MaxRecords = 4096;

    /// <summary>
    /// How long a response may be cached: the smallest TTL of its answer and authority records; for a negative answer
    /// (NXDOMAIN, or NOERROR without answers) the smaller of the SOA's TTL and MINIMUM (RFC 2308 §5); null when it must
    /// not be cached (no SOA in a negative answer, or it cannot be read).
    /// </summary>
    public static uint? CacheTtl(ReadOnlySpan<byte> message, int questionEnd)
    {
        ushort answers = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AnswerCountOffset..]);
        ushort authorities = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AuthorityCountOffset..]);
        ushort additional = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AdditionalCountOffset..]);
        if (answers + authorities + additional > MaxRecords)
        {
            return null;
        }

        uint? smallest = null;
        uint? negative = null;
        int position = questionEnd;
        for (int i = 0; i < answers + authorities + additional; i++)
        {
            if (DnsName.Skip(message, ref position) != DnsParseStatus.Ok || message.Length < position + 10)
            {
                return null;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(position + 4)..]);
            ushort rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
            if (message.Length < position + 10 + rdLength)
            {
                return null;
            }

            if (i < answers + authorities && type != DnsConstants.TypeOpt)
            {
                smallest = smallest is null ? ttl : Math.Min(smallest.Value, ttl);
                if (answers == 0 && type == DnsConstants.TypeSoa && i >= answers && rdLength >= 22)
                {
                    uint minimum = BinaryPrimitives.ReadUInt32BigEndian(message.Slice(position + 10 + rdLength - 4, 4));
                    negative = Math.Min(ttl, minimum);
                }
            }

            position += 10 + rdLength;
        }

        int rcode = message[DnsConstants.FlagsOffset + 1] & DnsConstants.RcodeMask;
        bool isNegative = rcode == DnsConstants.RcodeNxDomain || answers == 0;
        return isNegative ? negative : smallest;
    }

    /// <summary>
    /// Checks an upstream response before anything of it is cached or passed on, and bounds its TTLs in place. Every
    /// record the header counts must be in the message, every name must be checked through its compression pointers
    /// (<see cref="DnsName.SkipChecked"/>), every RDLENGTH must fit, A and AAAA data must be 4 and 16 bytes, and names in
    /// CNAME, DNAME, NS and PTR data must fill them exactly. A TTL above 2^31−1 counts as 0 (RFC 2181 §8); a TTL above
    /// <paramref name="maxTtl"/> is lowered to it. False when the response must not be used.
    /// </summary>
    public static bool TryNormalise(Span<byte> message, int questionEnd, uint maxTtl)
    {
        if (message.Length < DnsConstants.HeaderLength || questionEnd > message.Length)
        {
            return false;
        }

        int records = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AnswerCountOffset..]) + BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AuthorityCountOffset..]) + BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AdditionalCountOffset..]);
        if (records > MaxRecords)
        {
            return false;
        }

        int position = questionEnd;
        for (int i = 0; i < records; i++)
        {
            if (DnsName.SkipChecked(message, ref position) != DnsParseStatus.Ok || message.Length < position + 10)
            {
                return false;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            ushort @class = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(position + 4)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
            int rdata = position + 10;
            if (message.Length < rdata + rdLength)
            {
                return false;
            }

            if (type != DnsConstants.TypeOpt)
            {
                uint bounded = ttl > int.MaxValue ? 0 : Math.Min(ttl, maxTtl);
                BinaryPrimitives.WriteUInt32BigEndian(message[(position + 4)..], bounded);
            }

            if (@class == DnsConstants.ClassIn && (type == DnsConstants.TypeA && rdLength != 4 || type == DnsConstants.TypeAaaa && rdLength != 16))
            {
                return false;
            }

            if (type is DnsConstants.TypeCname or DnsConstants.TypeDname or DnsConstants.TypeNs or DnsConstants.TypePtr)
            {
                int name = rdata;
                if (DnsName.SkipChecked(message[..(rdata + rdLength)], ref name) != DnsParseStatus.Ok || name != rdata + rdLength)
                {
                    return false;
                }
            }

            position = rdata + rdLength;
        }

        return true;
    }

    /// <summary>Subtracts <paramref name="elapsed"/> seconds from every TTL but the OPT record's (which holds flags).</summary>
    public static void Age(Span<byte> message, int questionEnd, uint elapsed)
    {
        int records = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AnswerCountOffset..]) + BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AuthorityCountOffset..]) + BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AdditionalCountOffset..]);
        int position = questionEnd;
        for (int i = 0; i < records && i < MaxRecords; i++)
        {
            if (DnsName.Skip(message, ref position) != DnsParseStatus.Ok || message.Length < position + 10)
            {
                return;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            if (type != DnsConstants.TypeOpt)
            {
                uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(position + 4)..]);
                BinaryPrimitives.WriteUInt32BigEndian(message[(position + 4)..], ttl > elapsed ? ttl - elapsed : 0);
            }

            position += 10 + BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
        }
    }

    /// <summary>Where the question of a response ends (after one question), or -1.</summary>
    public static int QuestionEnd(ReadOnlySpan<byte> message)
    {
        if (message.Length < DnsConstants.HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.QuestionCountOffset..]) != 1)
        {
            return -1;
        }

        int position = DnsConstants.HeaderLength;
        return DnsName.Skip(message, ref position) == DnsParseStatus.Ok && message.Length >= position + 4 ? position + 4 : -1;
    }
}

using System.Buffers.Binary;
using System.Text;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>Writes the answers the server makes itself (blocked names, errors) into a caller's buffer, repeating the
/// query's header and question, with an OPT record when the query had one (RFC 6891 §7).</summary>
internal static class DnsResponseWriter
{
    /// <summary>TTL of synthesised answers: short, so that a lifted block is noticed soon.</summary>
    public const uint SynthesisedTtl = 60;

    /// <summary>Longest EXTRA-TEXT written (RFC 8914 leaves it free; this keeps blocked answers well inside 512 bytes
    /// with a long name).</summary>
    public const int MaxExtraText = 180;

    /// <summary>Writes an error response (FORMERR, SERVFAIL, REFUSED, NOTIMP or BADVERS) with the question repeated when
    /// it could be read.</summary>
    public static int WriteError(ReadOnlySpan<byte> request, in DnsQuery query, bool questionRead, int rcode, Span<byte> destination)
    {
        int position = StartResponse(request, query, questionRead, rcode, destination);
        if (query.HasEdns)
        {
            position += WriteOpt(destination[position..], rcode, query.DnssecOk, default, []);
            SetCount(destination, DnsConstants.AdditionalCountOffset, 1);
        }

        return position;
    }

    /// <summary>Writes the answer for a blocked name: NXDOMAIN, NODATA, or the block page's address for A and AAAA, with
    /// an Extended DNS Error naming the order when the query had EDNS. A negative answer (NXDOMAIN, NODATA) carries the
    /// policy zone's SOA <paramref name="soa"/> in its authority section, so that resolvers behind the server cache it
    /// for the SOA's TTL (RFC 2308 §3).</summary>
    public static int WriteBlocked(ReadOnlySpan<byte> request, in DnsQuery query, BlockAction action, ReadOnlySpan<byte> blockPageV4, ReadOnlySpan<byte> blockPageV6,
        ExtendedDnsError error, ReadOnlySpan<byte> extraText, ReadOnlySpan<byte> soa, Span<byte> destination)
    {
        ReadOnlySpan<byte> address = action != BlockAction.BlockPage ? default
            : query.QuestionType == DnsConstants.TypeA ? blockPageV4
            : query.QuestionType == DnsConstants.TypeAaaa ? blockPageV6
            : default;
        int rcode = action == BlockAction.NxDomain ? DnsConstants.RcodeNxDomain : DnsConstants.RcodeNoError;
        int position = StartResponse(request, query, questionRead: true, rcode, destination);
        if (!address.IsEmpty)
        {
            // The question name is at offset 12: point to it (RFC 1035 §4.1.4).
            Span<byte> record = destination[position..];
            const int Pointer = 2;
            BinaryPrimitives.WriteUInt16BigEndian(record, 0xC000 | DnsConstants.HeaderLength);
            BinaryPrimitives.WriteUInt16BigEndian(record[(Pointer + DnsConstants.RecordTypeOffset)..], query.QuestionType);
            BinaryPrimitives.WriteUInt16BigEndian(record[(Pointer + DnsConstants.RecordClassOffset)..], DnsConstants.ClassIn);
            BinaryPrimitives.WriteUInt32BigEndian(record[(Pointer + DnsConstants.RecordTtlOffset)..], SynthesisedTtl);
            BinaryPrimitives.WriteUInt16BigEndian(record[(Pointer + DnsConstants.RecordDataLengthOffset)..], (ushort)address.Length);
            address.CopyTo(record[(Pointer + DnsConstants.RecordFixedLength)..]);
            position += Pointer + DnsConstants.RecordFixedLength + address.Length;
            SetCount(destination, DnsConstants.AnswerCountOffset, 1);
        }
        else if (!soa.IsEmpty && position + soa.Length + (query.HasEdns ? 17 + extraText.Length : 0) <= DnsConstants.MinimumUdpPayload)
        {
            // Within the 512 bytes every client takes (RFC 1035 §4.2.1); only an answer with a name near the longest and
            // a long EXTRA-TEXT goes without it, and is then not cached downstream.
            soa.CopyTo(destination[position..]);
            position += soa.Length;
            SetCount(destination, DnsConstants.AuthorityCountOffset, 1);
        }

        if (query.HasEdns)
        {
            position += WriteOpt(destination[position..], DnsConstants.RcodeNoError, query.DnssecOk, error, extraText);
            SetCount(destination, DnsConstants.AdditionalCountOffset, 1);
        }

        return position;
    }

    /// <summary>
    /// The SOA record of blocked negative answers, ready to copy: owner <paramref name="zone"/>, TTL and MINIMUM
    /// <paramref name="negativeTtlSeconds"/> (RFC 2308 §3: a resolver caches the negative answer for the smaller of the
    /// two), MNAME <c>localhost.</c>, RNAME <c>hostmaster.localhost.</c>, and <paramref name="serial"/>.
    /// </summary>
    public static byte[] NegativeSoa(string zone, uint negativeTtlSeconds, uint serial)
    {
        Span<byte> record = stackalloc byte[DnsConstants.MaxNameLength * 3 + 30];
        int position = DnsName.Write(zone, record);
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + DnsConstants.RecordTypeOffset)..], DnsConstants.TypeSoa);
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + DnsConstants.RecordClassOffset)..], DnsConstants.ClassIn);
        BinaryPrimitives.WriteUInt32BigEndian(record[(position + DnsConstants.RecordTtlOffset)..], negativeTtlSeconds);
        int rdata = position + DnsConstants.RecordFixedLength;
        int end = rdata + WriteSoaData(record[rdata..], serial, negativeTtlSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + DnsConstants.RecordDataLengthOffset)..], (ushort)(end - rdata));
        return record[..end].ToArray();
    }

    /// <summary>The RDATA of Palisade's SOA records (the policy zone's and the RPZ zone's): MNAME <c>localhost.</c>, RNAME
    /// <c>hostmaster.localhost.</c>, <paramref name="serial"/>, refresh 3600, retry 600, expire 604800 and
    /// <paramref name="minimum"/>; returns its length.</summary>
    public static int WriteSoaData(Span<byte> destination, uint serial, uint minimum)
    {
        int position = DnsName.Write("localhost", destination);
        position += DnsName.Write("hostmaster.localhost", destination[position..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[position..], serial);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 4)..], 3600);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 8)..], 600);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 12)..], 604800);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 16)..], minimum);
        return position + 20;
    }

    /// <summary>The EXTRA-TEXT for an order: "order REFERENCE URL", cut at a character boundary to fit.</summary>
    public static byte[] ExtraText(string reference, string? orderPage)
    {
        string text = orderPage is null ? "order " + reference : "order " + reference + " " + orderPage;
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= MaxExtraText)
        {
            return bytes;
        }

        int cut = MaxExtraText;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return bytes[..cut];
    }

    private static int StartResponse(ReadOnlySpan<byte> request, in DnsQuery query, bool questionRead, int rcode, Span<byte> destination)
    {
        int length = questionRead ? query.QuestionEnd : DnsConstants.HeaderLength;
        request[..length].CopyTo(destination);
        ushort flags = (ushort)(DnsConstants.FlagQr | DnsConstants.FlagRa | (query.Flags & (DnsConstants.FlagRd | DnsConstants.FlagCd | DnsConstants.OpcodeMask)) | (rcode & DnsConstants.RcodeMask));
        BinaryPrimitives.WriteUInt16BigEndian(destination[DnsConstants.FlagsOffset..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[DnsConstants.QuestionCountOffset..], (ushort)(questionRead ? 1 : 0));
        destination[DnsConstants.AnswerCountOffset..DnsConstants.HeaderLength].Clear();
        return length;
    }

    /// <summary>An OPT pseudo-record (RFC 6891 §6.1.2), with an EDE option (RFC 8914 §2) when an error is given.</summary>
    private static int WriteOpt(Span<byte> destination, int rcode, bool dnssecOk, ExtendedDnsError error, ReadOnlySpan<byte> extraText)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], DnsConstants.TypeOpt);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], DnsConstants.UdpPayloadSize);
        uint ttl = ((uint)(rcode >> 4) << 24) | (dnssecOk ? DnsConstants.EdnsDo : 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], ttl);
        if (error == default)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[9..], 0);
            return 11;
        }

        int optionLength = 2 + extraText.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[9..], (ushort)(4 + optionLength));
        BinaryPrimitives.WriteUInt16BigEndian(destination[11..], DnsConstants.OptionExtendedError);
        BinaryPrimitives.WriteUInt16BigEndian(destination[13..], (ushort)optionLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[15..], (ushort)error);
        extraText.CopyTo(destination[17..]);
        return 17 + extraText.Length;
    }

    private static void SetCount(Span<byte> message, int offset, ushort count) => BinaryPrimitives.WriteUInt16BigEndian(message[offset..], count);
}

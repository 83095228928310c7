using System.Buffers.Binary;

namespace Palisade.Dns.Wire;

/// <summary>
/// The parts of a DNS query a server acts on, read from the wire without allocating: the header, the one question
/// (its name written lower-case into a caller's buffer) and the EDNS(0) OPT record if present (RFC 6891).
/// </summary>
public readonly struct DnsQuery
{
    /// <summary>The message ID.</summary>
    public ushort Id { get; init; }

    /// <summary>The header flags.</summary>
    public ushort Flags { get; init; }

    /// <summary>The OPCODE.</summary>
    public int Opcode => (Flags & DnsConstants.OpcodeMask) >> 11;

    /// <summary>Whether QR is set (a response, not a query).</summary>
    public bool IsResponse => (Flags & DnsConstants.FlagQr) != 0;

    /// <summary>Whether RD is set.</summary>
    public bool RecursionDesired => (Flags & DnsConstants.FlagRd) != 0;

    /// <summary>The question's type.</summary>
    public ushort QuestionType { get; init; }

    /// <summary>The question's class.</summary>
    public ushort QuestionClass { get; init; }

    /// <summary>Where the question section ends: header plus question are the bytes a response repeats.</summary>
    public int QuestionEnd { get; init; }

    /// <summary>Characters of the name written into the caller's buffer (lower-case, no trailing dot; 0 for the root).</summary>
    public int NameLength { get; init; }

    /// <summary>Whether the name is a host name the policy can hold (ASCII letters, digits, hyphens, underscores).</summary>
    public bool NameIsHostName { get; init; }

    /// <summary>Whether the query carries an OPT record.</summary>
    public bool HasEdns { get; init; }

    /// <summary>The largest UDP payload the client takes, from its OPT record.</summary>
    public ushort EdnsUdpSize { get; init; }

    /// <summary>The EDNS version of its OPT record.</summary>
    public byte EdnsVersion { get; init; }

    /// <summary>Whether the DO bit is set (RFC 3225).</summary>
    public bool DnssecOk { get; init; }

    /// <summary>The largest UDP response the client takes: 512 without EDNS (RFC 1035 §4.2.1), else its size, at least 512.</summary>
    public int MaxUdpResponse => HasEdns ? Math.Clamp((int)EdnsUdpSize, 512, DnsConstants.UdpPayloadSize) : 512;

    /// <summary>Reads a query. The name goes into <paramref name="name"/> (at least 255 characters).</summary>
    public static DnsParseStatus TryParse(ReadOnlySpan<byte> message, Span<char> name, out DnsQuery query)
    {
        query = default;
        if (message.Length < DnsConstants.HeaderLength)
        {
            return DnsParseStatus.Incomplete;
        }

        ushort questions = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.QuestionCountOffset..]);
        ushort answers = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AnswerCountOffset..]);
        ushort authorities = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AuthorityCountOffset..]);
        ushort additional = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AdditionalCountOffset..]);
        if (questions != 1)
        {
            return DnsParseStatus.Invalid;
        }

        int position = DnsConstants.HeaderLength;
        DnsParseStatus status = ReadQuestionName(message, ref position, name, out int nameLength, out bool hostName);
        if (status != DnsParseStatus.Ok)
        {
            return status;
        }

        if (message.Length < position + 4)
        {
            return DnsParseStatus.Incomplete;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
        ushort @class = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
        position += 4;
        int questionEnd = position;

        // Queries carry no answers or authorities, but NOTIFY and UPDATE may: step over them to reach the OPT record.
        bool edns = false;
        ushort udpSize = 0;
        byte version = 0;
        bool dnssecOk = false;
        int records = answers + authorities + additional;
        for (int i = 0; i < records; i++)
        {
            int owner = position;
            status = DnsName.Skip(message, ref position);
            if (status != DnsParseStatus.Ok)
            {
                return status;
            }

            if (message.Length < position + 10)
            {
                return DnsParseStatus.Incomplete;
            }

            ushort recordType = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            ushort rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
            if (recordType == DnsConstants.TypeOpt && i >= answers + authorities)
            {
                if (edns)
                {
                    // RFC 6891 §6.1.1: more than one OPT record is a FORMERR.
                    return DnsParseStatus.Invalid;
                }

                // RFC 6891 §6.1.2: the OPT record's owner is the root, and its options fill its RDATA exactly.
                if (position != owner + 1 || message[owner] != 0 || message.Length < position + 10 + rdLength
                    || !OptionsFit(message.Slice(position + 10, rdLength)))
                {
                    return DnsParseStatus.Invalid;
                }

                edns = true;
                udpSize = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
                uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(position + 4)..]);
                version = (byte)(ttl >> 16);
                dnssecOk = (ttl & DnsConstants.EdnsDo) != 0;
            }

            position += 10;
            if (message.Length < position + rdLength)
            {
                return DnsParseStatus.Incomplete;
            }

            position += rdLength;
        }

        query = new DnsQuery
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(message),
            Flags = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.FlagsOffset..]),
            QuestionType = type,
            QuestionClass = @class,
            QuestionEnd = questionEnd,
            NameLength = nameLength,
            NameIsHostName = hostName,
            HasEdns = edns,
            EdnsUdpSize = udpSize,
            EdnsVersion = version,
            DnssecOk = dnssecOk,
        };
        return DnsParseStatus.Ok;
    }

    /// <summary>Whether EDNS options (code, length, data; RFC 6891 §6.1.2) fill <paramref name="rdata"/> exactly.</summary>
    private static bool OptionsFit(ReadOnlySpan<byte> rdata)
    {
        while (!rdata.IsEmpty)
        {
            if (rdata.Length < 4)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(rdata[2..]);
            if (rdata.Length < 4 + length)
            {
                return false;
            }

            rdata = rdata[(4 + length)..];
        }

        return true;
    }

    /// <summary>A question name is written in full: a compression pointer has nothing before it to point to.</summary>
    private static DnsParseStatus ReadQuestionName(ReadOnlySpan<byte> message, ref int position, Span<char> name, out int length, out bool hostName)
    {
        length = 0;
        hostName = true;
        int wire = 0;
        while (true)
        {
            if (position >= message.Length)
            {
                return DnsParseStatus.Incomplete;
            }

            int labelLength = message[position];
            if (labelLength == 0)
            {
                position++;
                return DnsParseStatus.Ok;
            }

            if (labelLength > 63)
            {
                return DnsParseStatus.Invalid;
            }

            wire += labelLength + 1;
            if (wire + 1 > DnsConstants.MaxNameLength)
            {
                return DnsParseStatus.Invalid;
            }

            if (position + 1 + labelLength > message.Length)
            {
                return DnsParseStatus.Incomplete;
            }

            if (length > 0)
            {
                name[length++] = '.';
            }

            foreach (byte b in message.Slice(position + 1, labelLength))
            {
                char c = (char)b;
                if (c is >= 'A' and <= 'Z')
                {
                    c = (char)(c + 32);
                }
                else if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '*'))
                {
                    hostName = false;
                }

                name[length++] = c;
            }

            position += 1 + labelLength;
        }
    }
}

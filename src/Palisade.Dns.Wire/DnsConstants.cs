namespace Palisade.Dns.Wire;

/// <summary>Numbers of the DNS wire format used here (RFC 1035, RFC 6891, RFC 8914 and the IANA registries).</summary>
public static class DnsConstants
{
    /// <summary>The header's length, and its fields' offsets (RFC 1035 §4.1.1).</summary>
    public const int HeaderLength = 12;

    /// <summary>Offset of the 16-bit flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE).</summary>
    public const int FlagsOffset = 2;

    /// <summary>Offset of QDCOUNT.</summary>
    public const int QuestionCountOffset = 4;

    /// <summary>Offset of ANCOUNT.</summary>
    public const int AnswerCountOffset = 6;

    /// <summary>Offset of NSCOUNT.</summary>
    public const int AuthorityCountOffset = 8;

    /// <summary>Offset of ARCOUNT.</summary>
    public const int AdditionalCountOffset = 10;

    /// <summary>The OPCODE's bits in the flags word (RFC 1035 §4.1.1).</summary>
    public const ushort OpcodeMask = 0x7800;

    /// <summary>The RCODE's bits in the flags word's low byte (at <see cref="FlagsOffset"/> + 1).</summary>
    public const int RcodeMask = 0x0F;

    /// <summary>Offsets in a resource record after its owner name (RFC 1035 §4.1.3): TYPE, CLASS, TTL, RDLENGTH, then RDATA.</summary>
    public const int RecordTypeOffset = 0;

    /// <summary>Offset of CLASS after the owner name.</summary>
    public const int RecordClassOffset = 2;

    /// <summary>Offset of TTL after the owner name.</summary>
    public const int RecordTtlOffset = 4;

    /// <summary>Offset of RDLENGTH after the owner name.</summary>
    public const int RecordDataLengthOffset = 8;

    /// <summary>Bytes of TYPE, CLASS, TTL and RDLENGTH: where RDATA starts after the owner name.</summary>
    public const int RecordFixedLength = 10;

    /// <summary>The longest name on the wire (RFC 1035 §2.3.4), and so the longest text form plus dots.</summary>
    public const int MaxNameLength = 255;

    /// <summary>The UDP message size every client accepts (RFC 1035 §4.2.1).</summary>
    public const int MinimumUdpPayload = 512;

    /// <summary>The largest UDP payload we advertise and send (the DNS Flag Day 2020 value), so answers are not fragmented.</summary>
    public const ushort UdpPayloadSize = 1232;

    /// <summary>What a query forwarded for a UDP client holds for the upstream's answer while it waits. A client takes at
    /// most <see cref="UdpPayloadSize"/> bytes over UDP, so a longer answer goes back truncated whatever its size, and
    /// the client's retry over TCP fetches it whole. Thousands of forwards can be waiting at once: 64 KiB each would
    /// be hundreds of megabytes that clients sending new names decide.</summary>
    public const int UdpForwardBuffer = 4096;

    /// <summary>The largest DNS message (a TCP length prefix is 16 bits).</summary>
    public const int MaxMessageLength = 65535;

    /// <summary>RR type A, an IPv4 address (RFC 1035 §3.2.2).</summary>
    public const ushort TypeA = 1;
    /// <summary>RR type NS (RFC 1035).</summary>
    public const ushort TypeNs = 2;
    /// <summary>RR type CNAME (RFC 1035).</summary>
    public const ushort TypeCname = 5;
    /// <summary>RR type SOA (RFC 1035).</summary>
    public const ushort TypeSoa = 6;
    /// <summary>RR type PTR (RFC 1035).</summary>
    public const ushort TypePtr = 12;
    /// <summary>RR type TXT (RFC 1035).</summary>
    public const ushort TypeTxt = 16;
    /// <summary>RR type AAAA, an IPv6 address (RFC 3596).</summary>
    public const ushort TypeAaaa = 28;
    /// <summary>RR type DNAME (RFC 6672).</summary>
    public const ushort TypeDname = 39;
    /// <summary>RR type OPT, the EDNS(0) pseudo-record (RFC 6891).</summary>
    public const ushort TypeOpt = 41;
    /// <summary>RR type TSIG (RFC 8945).</summary>
    public const ushort TypeTsig = 250;
    /// <summary>QTYPE IXFR, an incremental zone transfer (RFC 1995).</summary>
    public const ushort TypeIxfr = 251;
    /// <summary>QTYPE AXFR, a full zone transfer (RFC 5936).</summary>
    public const ushort TypeAxfr = 252;
    /// <summary>CLASS IN, the Internet.</summary>
    public const ushort ClassIn = 1;

    /// <summary>OPCODE QUERY, a standard query.</summary>
    public const int OpcodeQuery = 0;
    /// <summary>OPCODE NOTIFY (RFC 1996).</summary>
    public const int OpcodeNotify = 4;

    /// <summary>RCODE NOERROR.</summary>
    public const int RcodeNoError = 0;
    /// <summary>RCODE FORMERR: the server could not read the query.</summary>
    public const int RcodeFormErr = 1;
    /// <summary>RCODE SERVFAIL: the server could not answer.</summary>
    public const int RcodeServFail = 2;
    /// <summary>RCODE NXDOMAIN: the name does not exist.</summary>
    public const int RcodeNxDomain = 3;
    /// <summary>RCODE NOTIMP: the server does not do this kind of query.</summary>
    public const int RcodeNotImp = 4;
    /// <summary>RCODE REFUSED: the server will not answer.</summary>
    public const int RcodeRefused = 5;
    /// <summary>RCODE NOTAUTH: not authorised (RFC 8945 for TSIG).</summary>
    public const int RcodeNotAuth = 9;

    /// <summary>BADVERS (RFC 6891 §6.1.3): 16, of which the upper 8 bits go into the OPT record.</summary>
    public const int RcodeBadVers = 16;

    /// <summary>The Extended DNS Error option (RFC 8914 §2).</summary>
    public const ushort OptionExtendedError = 15;

    /// <summary>Header flag QR: the message is a response.</summary>
    public const ushort FlagQr = 0x8000;
    /// <summary>Header flag AA: an authoritative answer.</summary>
    public const ushort FlagAa = 0x0400;
    /// <summary>Header flag TC: the message was truncated.</summary>
    public const ushort FlagTc = 0x0200;
    /// <summary>Header flag RD: recursion desired.</summary>
    public const ushort FlagRd = 0x0100;
    /// <summary>Header flag RA: recursion available.</summary>
    public const ushort FlagRa = 0x0080;
    /// <summary>Header flag AD: authentic data (RFC 4035).</summary>
    public const ushort FlagAd = 0x0020;
    /// <summary>Header flag CD: checking disabled (RFC 4035).</summary>
    public const ushort FlagCd = 0x0010;

    /// <summary>The DO bit in the OPT record's TTL field (RFC 3225).</summary>
    public const uint EdnsDo = 0x8000;
}

namespace Palisade.Dns;

/// <summary>Numbers of the DNS wire format used here (RFC 1035, RFC 6891, RFC 8914 and the IANA registries).</summary>
internal static class DnsConstants
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

    public const ushort TypeA = 1;
    public const ushort TypeNs = 2;
    public const ushort TypeCname = 5;
    public const ushort TypeSoa = 6;
    public const ushort TypePtr = 12;
    public const ushort TypeTxt = 16;
    public const ushort TypeAaaa = 28;
    public const ushort TypeDname = 39;
    public const ushort TypeOpt = 41;
    public const ushort TypeTsig = 250;
    public const ushort TypeIxfr = 251;
    public const ushort TypeAxfr = 252;
    public const ushort ClassIn = 1;

    public const int OpcodeQuery = 0;
    public const int OpcodeNotify = 4;

    public const int RcodeNoError = 0;
    public const int RcodeFormErr = 1;
    public const int RcodeServFail = 2;
    public const int RcodeNxDomain = 3;
    public const int RcodeNotImp = 4;
    public const int RcodeRefused = 5;
    public const int RcodeNotAuth = 9;

    /// <summary>BADVERS (RFC 6891 §6.1.3): 16, of which the upper 8 bits go into the OPT record.</summary>
    public const int RcodeBadVers = 16;

    /// <summary>The Extended DNS Error option (RFC 8914 §2).</summary>
    public const ushort OptionExtendedError = 15;

    public const ushort FlagQr = 0x8000;
    public const ushort FlagAa = 0x0400;
    public const ushort FlagTc = 0x0200;
    public const ushort FlagRd = 0x0100;
    public const ushort FlagRa = 0x0080;
    public const ushort FlagAd = 0x0020;
    public const ushort FlagCd = 0x0010;

    /// <summary>The DO bit in the OPT record's TTL field (RFC 3225).</summary>
    public const uint EdnsDo = 0x8000;
}

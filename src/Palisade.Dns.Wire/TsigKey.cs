using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Palisade.Dns.Wire;

/// <summary>What checking a request's TSIG record found (RFC 8945 §5.2).</summary>
public enum TsigStatus
{
    /// <summary>Signed with this key, within the time window.</summary>
    Verified,

    /// <summary>The request carries no TSIG record.</summary>
    Unsigned,

    /// <summary>A TSIG record for another key or algorithm (error BADKEY).</summary>
    BadKey,

    /// <summary>The MAC does not verify (error BADSIG).</summary>
    BadSignature,

    /// <summary>The MAC verifies but the time signed is outside the fudge (error BADTIME; the answer is signed).</summary>
    BadTime,

    /// <summary>The TSIG record cannot be read, or is not the last record (FORMERR).</summary>
    Malformed,
}

/// <summary>
/// A TSIG key (RFC 8945) with HMAC-SHA256, as BIND and Knot secondaries authenticate zone transfers: it verifies the
/// TSIG record of a request and signs each message of the answer, every message chaining the MAC of the one before
/// (§5.3.1). Written <c>hmac-sha256:NAME:BASE64</c> or <c>NAME:BASE64</c>, as <c>dig -y</c> takes it.
/// </summary>
public sealed class TsigKey
{
    /// <summary>The one algorithm supported (RFC 8945 §6, mandatory to implement).</summary>
    public const string Algorithm = "hmac-sha256";

    /// <summary>Seconds of clock difference accepted, and announced in signed answers (RFC 8945 §5.2.3 recommends 300).</summary>
    public const ushort Fudge = 300;

    /// <summary>The bytes of an HMAC-SHA256 MAC.</summary>
    public const int MacLength = 32;

    /// <summary>Room enough for the TSIG record <see cref="Sign"/> appends (a key name of up to 255 bytes, the
    /// algorithm, timers, MAC and other data).</summary>
    public const int MaxRecordLength = 384;

    /// <summary>The shortest truncated MAC accepted: half the hash, at least 10 bytes (RFC 8945 §5.2.2.1).</summary>
    private const int MinMacLength = MacLength / 2;

    private const ushort ClassAny = 255;

    private static readonly byte[] s_algorithmWire = Wire(Algorithm);

    private readonly byte[] _secret;

    private TsigKey(string name, byte[] secret)
    {
        Name = name;
        NameWire = Wire(name);
        _secret = secret;
    }

    /// <summary>The key's name, lower-case, without the trailing dot.</summary>
    public string Name { get; }

    internal byte[] NameWire { get; }

    /// <summary>Parses <c>[hmac-sha256:]NAME:BASE64SECRET</c>.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out TsigKey? key, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        key = null;
        string[] parts = text.Split(':');
        if (parts.Length == 3)
        {
            if (!string.Equals(parts[0], Algorithm, StringComparison.OrdinalIgnoreCase))
            {
                error = $"the algorithm '{parts[0]}' is not {Algorithm}, the one supported";
                return false;
            }

            parts = parts[1..];
        }

        if (parts.Length != 2)
        {
            error = $"a TSIG key is written [{Algorithm}:]NAME:BASE64SECRET";
            return false;
        }

        if (!Palisade.Core.DomainName.TryParse(parts[0], out Palisade.Core.DomainName name, out string? nameError))
        {
            error = $"the key name '{parts[0]}' is not a domain name: {nameError}";
            return false;
        }

        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            error = "the secret is not base64";
            return false;
        }

        if (secret.Length < 16)
        {
            error = $"the secret has {secret.Length} bytes; a key for {Algorithm} has at least 16 (RFC 8945 §6)";
            return false;
        }

        key = new TsigKey(name.Value, secret);
        error = null;
        return true;
    }

    /// <summary>
    /// Checks the TSIG record that ends <paramref name="request"/> (whose question ends at <paramref name="questionEnd"/>).
    /// On <see cref="TsigStatus.Verified"/> and <see cref="TsigStatus.BadTime"/>, <paramref name="requestMac"/> is the
    /// request's MAC, which the answer's first MAC covers.
    /// </summary>
    public TsigStatus Verify(ReadOnlySpan<byte> request, int questionEnd, long nowSeconds, out byte[] requestMac)
    {
        requestMac = [];
        int records = BinaryPrimitives.ReadUInt16BigEndian(request[DnsConstants.AnswerCountOffset..]) + BinaryPrimitives.ReadUInt16BigEndian(request[DnsConstants.AuthorityCountOffset..]) + BinaryPrimitives.ReadUInt16BigEndian(request[DnsConstants.AdditionalCountOffset..]);
        int additional = BinaryPrimitives.ReadUInt16BigEndian(request[DnsConstants.AdditionalCountOffset..]);
        int position = questionEnd;
        int start = -1;
        for (int i = 0; i < records; i++)
        {
            start = position;
            if (DnsName.SkipChecked(request, ref position) != DnsParseStatus.Ok || request.Length < position + 10)
            {
                return TsigStatus.Malformed;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(request[position..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(request[(position + 8)..]);
            if (request.Length < position + 10 + rdLength)
            {
                return TsigStatus.Malformed;
            }

            if (type == DnsConstants.TypeTsig && i != records - 1)
            {
                // RFC 8945 §5.2: a TSIG record anywhere but last is a format error.
                return TsigStatus.Malformed;
            }

            position += 10 + rdLength;
        }

        int typeOffset = start;
        if (additional == 0 || start < 0 || DnsName.SkipChecked(request, ref typeOffset) != DnsParseStatus.Ok
            || BinaryPrimitives.ReadUInt16BigEndian(request[typeOffset..]) != DnsConstants.TypeTsig)
        {
            return TsigStatus.Unsigned;
        }

        // The record: owner (the key name, written in full), TYPE, CLASS ANY, TTL 0, RDLENGTH, RDATA.
        int owner = start;
        int ownerEnd = owner;
        if (!ReadFullName(request, ref ownerEnd) || ownerEnd != typeOffset
            || BinaryPrimitives.ReadUInt16BigEndian(request[(ownerEnd + 2)..]) != ClassAny || BinaryPrimitives.ReadUInt32BigEndian(request[(ownerEnd + 4)..]) != 0)
        {
            // RFC 8945 §4.2: a TSIG record is of class ANY with TTL 0.
            return TsigStatus.Malformed;
        }

        int rdata = ownerEnd + 10;
        ReadOnlySpan<byte> data = request[rdata..position];
        int algorithmEnd = 0;
        if (!ReadFullName(data, ref algorithmEnd) || data.Length < algorithmEnd + 10)
        {
            return TsigStatus.Malformed;
        }

        ReadOnlySpan<byte> algorithm = data[..algorithmEnd];
        long timeSigned = ((long)BinaryPrimitives.ReadUInt16BigEndian(data[algorithmEnd..]) << 32) | BinaryPrimitives.ReadUInt32BigEndian(data[(algorithmEnd + 2)..]);
        ushort fudge = BinaryPrimitives.ReadUInt16BigEndian(data[(algorithmEnd + 6)..]);
        int macLength = BinaryPrimitives.ReadUInt16BigEndian(data[(algorithmEnd + 8)..]);
        int macStart = algorithmEnd + 10;
        if (data.Length < macStart + macLength + 6)
        {
            return TsigStatus.Malformed;
        }

        ReadOnlySpan<byte> mac = data.Slice(macStart, macLength);
        ushort originalId = BinaryPrimitives.ReadUInt16BigEndian(data[(macStart + macLength)..]);
        ushort error = BinaryPrimitives.ReadUInt16BigEndian(data[(macStart + macLength + 2)..]);
        int otherLength = BinaryPrimitives.ReadUInt16BigEndian(data[(macStart + macLength + 4)..]);
        if (data.Length != macStart + macLength + 6 + otherLength)
        {
            return TsigStatus.Malformed;
        }

        if (!EqualsIgnoreCase(request[owner..ownerEnd], NameWire) || !EqualsIgnoreCase(algorithm, s_algorithmWire))
        {
            return TsigStatus.BadKey;
        }

        if (macLength < MinMacLength || macLength > MacLength)
        {
            return TsigStatus.BadSignature;
        }

        // §4.3.3: the message without its TSIG record, with ARCOUNT less one and the original ID, then the variables.
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
        Span<byte> header = stackalloc byte[DnsConstants.HeaderLength];
        request[..DnsConstants.HeaderLength].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header, originalId);
        BinaryPrimitives.WriteUInt16BigEndian(header[DnsConstants.AdditionalCountOffset..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(header[DnsConstants.AdditionalCountOffset..]) - 1));
        hmac.AppendData(header);
        hmac.AppendData(request[DnsConstants.HeaderLength..start]);
        AppendVariables(hmac, timeSigned, fudge, error, data.Slice(macStart + macLength + 6, otherLength));
        Span<byte> expected = stackalloc byte[MacLength];
        hmac.GetHashAndReset(expected);
        if (!CryptographicOperations.FixedTimeEquals(expected[..macLength], mac))
        {
            return TsigStatus.BadSignature;
        }

        requestMac = mac.ToArray();
        return Math.Abs(nowSeconds - timeSigned) > fudge ? TsigStatus.BadTime : TsigStatus.Verified;
    }

    /// <summary>
    /// Signs a message of the answer in place: appends the TSIG record and raises ARCOUNT. The first message's MAC covers
    /// the request's MAC and all TSIG variables; each later one covers the previous MAC, the message and the timers
    /// (RFC 8945 §5.3.1). Returns the new length; <paramref name="mac"/> receives the MAC to chain into the next message.
    /// </summary>
    public int Sign(Span<byte> message, int length, ReadOnlySpan<byte> priorMac, bool first, long nowSeconds, ushort originalId, ushort error, Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
        Span<byte> size = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(size, (ushort)priorMac.Length);
        if (!priorMac.IsEmpty)
        {
            hmac.AppendData(size);
            hmac.AppendData(priorMac);
        }

        hmac.AppendData(message[..length]);
        Span<byte> other = stackalloc byte[6];
        bool withTime = error == (ushort)TsigError.BadTime;
        if (withTime)
        {
            WriteTime(other, nowSeconds);
        }

        if (first)
        {
            AppendVariables(hmac, nowSeconds, Fudge, error, withTime ? other : default);
        }
        else
        {
            Span<byte> timers = stackalloc byte[8];
            WriteTime(timers, nowSeconds);
            BinaryPrimitives.WriteUInt16BigEndian(timers[6..], Fudge);
            hmac.AppendData(timers);
        }

        hmac.GetHashAndReset(mac[..MacLength]);
        return AppendRecord(message, length, nowSeconds, mac[..MacLength], originalId, error, withTime ? other : default);
    }

    /// <summary>Appends an unsigned TSIG record carrying an error (BADKEY, BADSIG: RFC 8945 §5.3.2, the MAC is empty).</summary>
    public int AppendError(Span<byte> message, int length, long nowSeconds, ushort originalId, TsigError error) =>
        AppendRecord(message, length, nowSeconds, default, originalId, (ushort)error, default);

    private int AppendRecord(Span<byte> message, int length, long nowSeconds, ReadOnlySpan<byte> mac, ushort originalId, ushort error, ReadOnlySpan<byte> other)
    {
        Span<byte> record = message[length..];
        NameWire.CopyTo(record);
        int position = NameWire.Length;
        BinaryPrimitives.WriteUInt16BigEndian(record[position..], DnsConstants.TypeTsig);
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + 2)..], ClassAny);
        BinaryPrimitives.WriteUInt32BigEndian(record[(position + 4)..], 0);
        int rdLength = s_algorithmWire.Length + 10 + mac.Length + 6 + other.Length;
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + 8)..], (ushort)rdLength);
        position += 10;
        s_algorithmWire.CopyTo(record[position..]);
        position += s_algorithmWire.Length;
        WriteTime(record[position..], nowSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + 6)..], Fudge);
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + 8)..], (ushort)mac.Length);
        position += 10;
        mac.CopyTo(record[position..]);
        position += mac.Length;
        BinaryPrimitives.WriteUInt16BigEndian(record[position..], originalId);
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + 2)..], error);
        BinaryPrimitives.WriteUInt16BigEndian(record[(position + 4)..], (ushort)other.Length);
        position += 6;
        other.CopyTo(record[position..]);
        position += other.Length;
        BinaryPrimitives.WriteUInt16BigEndian(message[DnsConstants.AdditionalCountOffset..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AdditionalCountOffset..]) + 1));
        return length + position;
    }

    /// <summary>The TSIG variables of RFC 8945 §4.3.3: key name and algorithm in canonical form, class, TTL, time,
    /// fudge, error and other data.</summary>
    private void AppendVariables(IncrementalHash hmac, long timeSigned, ushort fudge, ushort error, ReadOnlySpan<byte> other)
    {
        hmac.AppendData(NameWire);
        Span<byte> fields = stackalloc byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(fields, ClassAny);
        BinaryPrimitives.WriteUInt32BigEndian(fields[2..], 0);
        hmac.AppendData(fields);
        hmac.AppendData(s_algorithmWire);
        Span<byte> timers = stackalloc byte[12];
        WriteTime(timers, timeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(timers[6..], fudge);
        BinaryPrimitives.WriteUInt16BigEndian(timers[8..], error);
        BinaryPrimitives.WriteUInt16BigEndian(timers[10..], (ushort)other.Length);
        hmac.AppendData(timers);
        hmac.AppendData(other);
    }

    private static void WriteTime(Span<byte> destination, long seconds)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(seconds >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)seconds);
    }

    /// <summary>Reads a name written without compression (TSIG names are, RFC 8945 §4.2).</summary>
    private static bool ReadFullName(ReadOnlySpan<byte> message, ref int position)
    {
        int total = 1;
        while (position < message.Length)
        {
            int label = message[position];
            if (label == 0)
            {
                position++;
                return true;
            }

            total += label + 1;
            if (label > 63 || total > DnsConstants.MaxNameLength)
            {
                return false;
            }

            position += label + 1;
        }

        return false;
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> wire, ReadOnlySpan<byte> lower)
    {
        if (wire.Length != lower.Length)
        {
            return false;
        }

        for (int i = 0; i < wire.Length; i++)
        {
            byte b = wire[i];
            if ((b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b) != lower[i])
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] Wire(string name)
    {
        byte[] wire = new byte[DnsName.WireLength(name)];
        DnsName.Write(name, wire);
        return wire;
    }
}

/// <summary>TSIG error codes (RFC 8945 §5.3.2).</summary>
public enum TsigError : ushort
{
    /// <summary>The MAC does not verify.</summary>
    BadSig = 16,

    /// <summary>The key or algorithm is not known.</summary>
    BadKey = 17,

    /// <summary>The time signed is outside the fudge.</summary>
    BadTime = 18,
}

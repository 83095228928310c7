using System.Buffers.Binary;
using System.Net;
using System.Text;
using Palisade.Dns;
using Palisade.Dns.Wire;

namespace Palisade.Probe;

/// <summary>
/// Reads a resolver's response to a probe's question: checks that it answers that question (id, QR, one question,
/// same name, type and class), then collects the addresses of the answer section and the Extended DNS Errors of the OPT
/// record. Everything in it comes from the network: counts and lengths are checked against the message and bounded.
/// </summary>
public static class DnsResponseParser
{
    /// <summary>Most resource records read from one response.</summary>
    public const int MaxRecords = 512;

    /// <summary>Longest Extended DNS Error text kept (longer texts are cut).</summary>
    public const int MaxErrorText = 512;

    /// <summary>Parses <paramref name="message"/> as the answer to <paramref name="query"/> (the bytes the probe sent).</summary>
    /// <exception cref="FormatException">It is not a well-formed answer to that question; the message says why.</exception>
    public static DnsAnswer Parse(ReadOnlySpan<byte> message, ReadOnlySpan<byte> query)
    {
        if (message.Length < DnsConstants.HeaderLength)
        {
            throw new FormatException($"the response has {message.Length} bytes, fewer than a DNS header");
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if (BinaryPrimitives.ReadUInt16BigEndian(message) != BinaryPrimitives.ReadUInt16BigEndian(query) || (flags & DnsConstants.FlagQr) == 0)
        {
            throw new FormatException("the response does not answer the query (another id, or not a response)");
        }

        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int authority = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        int additional = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        if (questions != 1)
        {
            throw new FormatException($"the response has {questions} questions, not the 1 asked");
        }

        if (answers + authority + additional > MaxRecords)
        {
            throw new FormatException($"the response has {answers + authority + additional} records, more than {MaxRecords}");
        }

        // The question must be the one asked, byte for byte (the probe writes lower case and no compression).
        int queryQuestionEnd = DnsConstants.HeaderLength;
        if (DnsName.SkipChecked(query, ref queryQuestionEnd) != DnsParseStatus.Ok)
        {
            throw new ArgumentException("the query is not a DNS message", nameof(query));
        }

        queryQuestionEnd += 4;
        int position = DnsConstants.HeaderLength;
        if (DnsName.SkipChecked(message, ref position) != DnsParseStatus.Ok || position + 4 > message.Length)
        {
            throw new FormatException("the response's question is truncated or malformed");
        }

        position += 4;
        if (!Ascii.EqualsIgnoreCase(message[DnsConstants.HeaderLength..position], query[DnsConstants.HeaderLength..queryQuestionEnd]))
        {
            throw new FormatException("the response's question is not the question asked");
        }

        ushort questionType = BinaryPrimitives.ReadUInt16BigEndian(query[(queryQuestionEnd - 4)..]);
        int rcode = flags & 0xF;
        var addresses = new List<IPAddress>();
        var ttls = new List<uint>();
        var errors = new List<(ushort, string)>();
        int cnames = 0;
        for (int record = 0; record < answers + authority + additional; record++)
        {
            if (DnsName.SkipChecked(message, ref position) != DnsParseStatus.Ok || position + 10 > message.Length)
            {
                throw new FormatException($"record {record + 1} is truncated or its name is malformed");
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(position + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
            position += 10;
            if (position + length > message.Length)
            {
                throw new FormatException($"record {record + 1}'s data runs past the end of the response");
            }

            ReadOnlySpan<byte> data = message.Slice(position, length);
            position += length;
            if (record < answers)
            {
                if (type == DnsConstants.TypeCname)
                {
                    cnames++;
                }
                else if (type == questionType && (type == DnsConstants.TypeA && length == 4 || type == DnsConstants.TypeAaaa && length == 16))
                {
                    addresses.Add(new IPAddress(data));
                    ttls.Add(ttl);
                }
            }
            else if (record >= answers + authority && type == DnsConstants.TypeOpt)
            {
                // The OPT TTL carries the upper 8 bits of the response code (RFC 6891 §6.1.3).
                rcode |= (int)(ttl >> 24) << 4;
                ReadOptions(data, errors);
            }
        }

        return new DnsAnswer(rcode, addresses, cnames, errors, ttls);
    }

    private static void ReadOptions(ReadOnlySpan<byte> data, List<(ushort, string)> errors)
    {
        int position = 0;
        while (position + 4 <= data.Length)
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(position + 2)..]);
            position += 4;
            if (position + length > data.Length)
            {
                throw new FormatException("an EDNS option runs past the end of the OPT record");
            }

            if (code == DnsConstants.OptionExtendedError)
            {
                if (length < 2)
                {
                    throw new FormatException("an Extended DNS Error option is shorter than its 2-byte code");
                }

                ReadOnlySpan<byte> text = data.Slice(position + 2, length - 2);
                errors.Add((BinaryPrimitives.ReadUInt16BigEndian(data[position..]), Encoding.UTF8.GetString(text[..Math.Min(text.Length, MaxErrorText)]).TrimEnd('\0')));
            }

            position += length;
        }
    }
}

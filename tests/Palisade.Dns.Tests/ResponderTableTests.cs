using System.Buffers.Binary;
using System.Net;
using System.Text;
using Palisade.Policy;
using Palisade.Dns.Wire;

namespace Palisade.Dns.Tests;

/// <summary>
/// The responder as a table, in the style of coredns's tests: one policy written inline, then rows of a query (name,
/// type, EDNS or not, block action) and what must come back (forward, or the RCODE, the Extended DNS Error code and
/// text, the answer, and the counts of the sections). The server's tests with dig and unbound check the transport;
/// these check every answer the responder makes itself, in process.
/// </summary>
public sealed class ResponderTableTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static CompiledPolicy Policy()
    {
        long now = Now.ToUnixTimeMilliseconds();
        var inForce = new PolicyOrder("rkn/R-1", "court-order", now - 3_600_000, null);
        var expired = new PolicyOrder("rkn/R-2", "court-order", now - 7_200_000, now - 3_600_000);
        var pending = new PolicyOrder("rkn/R-3", "court-order", now + 3_600_000, null);
        return CompiledPolicy.Build(new PolicyBundle("registry.test/log", 7, 9, new byte[32], now, [
            new("*.t.me", inForce),
            new("expired.example", expired),
            new("pending.example", pending),
            new("telegram.org", inForce),
            new("xn--e1afmkfd.xn--p1ai", inForce),
        ]));
    }

    /// <summary>One row: the query and what the responder must do with it.</summary>
    public sealed record Row(string Name, ushort Type, bool Edns, BlockAction Action, string Expected);

    /// <summary>Expected: "forward", or "RCODE ede=CODE an=N ns=N ar=N [answer]" as <see cref="Describe"/> writes it.</summary>
    public static TheoryData<Row> Rows => new()
    {
        new Row("telegram.org", DnsConstants.TypeA, true, BlockAction.NxDomain, "NXDOMAIN ede=16 an=0 ns=1 ar=1 soa=rpz.palisade/7/60"),
        new Row("TELEGRAM.ORG", DnsConstants.TypeA, true, BlockAction.NxDomain, "NXDOMAIN ede=16 an=0 ns=1 ar=1 soa=rpz.palisade/7/60"),
        new Row("telegram.org", DnsConstants.TypeA, false, BlockAction.NxDomain, "NXDOMAIN ede=none an=0 ns=1 ar=0 soa=rpz.palisade/7/60"),
        new Row("a.t.me", DnsConstants.TypeAaaa, true, BlockAction.NxDomain, "NXDOMAIN ede=16 an=0 ns=1 ar=1 soa=rpz.palisade/7/60"),
        new Row("deep.a.t.me", DnsConstants.TypeTxt, true, BlockAction.NxDomain, "NXDOMAIN ede=16 an=0 ns=1 ar=1 soa=rpz.palisade/7/60"),
        new Row("xn--e1afmkfd.xn--p1ai", DnsConstants.TypeA, true, BlockAction.NxDomain, "NXDOMAIN ede=16 an=0 ns=1 ar=1 soa=rpz.palisade/7/60"),
        new Row("telegram.org", DnsConstants.TypeA, true, BlockAction.NoData, "NOERROR ede=16 an=0 ns=1 ar=1 soa=rpz.palisade/7/60"),
        new Row("telegram.org", DnsConstants.TypeA, true, BlockAction.BlockPage, "NOERROR ede=16 an=1 ns=0 ar=1 a=192.0.2.80/60"),
        new Row("telegram.org", DnsConstants.TypeAaaa, true, BlockAction.BlockPage, "NOERROR ede=16 an=1 ns=0 ar=1 aaaa=2001:db8::80/60"),
        new Row("telegram.org", 15, true, BlockAction.BlockPage, "NOERROR ede=16 an=0 ns=1 ar=1 soa=rpz.palisade/7/60"),
        new Row("t.me", DnsConstants.TypeA, true, BlockAction.NxDomain, "forward"),
        new Row("www.telegram.org", DnsConstants.TypeA, true, BlockAction.NxDomain, "forward"),
        new Row("expired.example", DnsConstants.TypeA, true, BlockAction.NxDomain, "forward"),
        new Row("pending.example", DnsConstants.TypeA, true, BlockAction.NxDomain, "forward"),
        new Row("free.example", DnsConstants.TypeA, true, BlockAction.NxDomain, "forward"),
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Responder_AnswersAsTheTableSays(Row row)
    {
        var options = new DnsServerOptions { Action = row.Action, PortalUrl = new Uri("https://registry.example/") };
        options.BlockPageV4 = IPAddress.Parse("192.0.2.80");
        options.BlockPageV6 = IPAddress.Parse("2001:db8::80");
        CompiledPolicy policy = Policy();
        var time = new FixedTime(Now);
        var responder = new DnsResponder(options, () => policy, time, new DnsCache(16, time), new DnsMetrics());
        byte[] request = DnsQueryTests.Query(row.Name, row.Type, row.Edns);
        byte[] response = new byte[DnsConstants.MaxMessageLength];
        DnsDisposition disposition = responder.Respond(request, response, out int length, out DnsQuery query, new char[600], out _);
        if (row.Expected == "forward")
        {
            Assert.Equal(DnsDisposition.Forward, disposition);
            return;
        }

        Assert.Equal(DnsDisposition.Answered, disposition);
        Assert.Equal(row.Expected, Describe(response.AsSpan(0, length), query.QuestionEnd, out string? extraText));
        if (row.Edns)
        {
            Assert.Equal("order rkn/R-1 https://registry.example/orders/rkn/R-1", extraText);
        }
    }

    /// <summary>The response in one line: RCODE, the EDE code, the section counts and the records the server makes.</summary>
    private static string Describe(ReadOnlySpan<byte> message, int questionEnd, out string? extraText)
    {
        extraText = null;
        int rcode = message[DnsConstants.FlagsOffset + 1] & DnsConstants.RcodeMask;
        int an = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AnswerCountOffset..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AuthorityCountOffset..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AdditionalCountOffset..]);
        var records = new List<string>();
        string ede = "none";
        int position = questionEnd;
        for (int i = 0; i < an + ns + ar; i++)
        {
            int owner = position;
            Assert.Equal(DnsParseStatus.Ok, DnsName.Skip(message, ref position));
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[(position + DnsConstants.RecordTypeOffset)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(position + DnsConstants.RecordTtlOffset)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + DnsConstants.RecordDataLengthOffset)..]);
            ReadOnlySpan<byte> rdata = message.Slice(position + DnsConstants.RecordFixedLength, rdLength);
            switch (type)
            {
                case DnsConstants.TypeA or DnsConstants.TypeAaaa:
                    records.Add($"{(type == DnsConstants.TypeA ? "a" : "aaaa")}={new IPAddress(rdata)}/{ttl}");
                    break;
                case DnsConstants.TypeSoa:
                    int serialAt = 0;
                    Assert.Equal(DnsParseStatus.Ok, DnsName.Skip(rdata, ref serialAt));
                    Assert.Equal(DnsParseStatus.Ok, DnsName.Skip(rdata, ref serialAt));
                    records.Add($"soa={OwnerName(message, owner)}/{BinaryPrimitives.ReadUInt32BigEndian(rdata[serialAt..])}/{ttl}");
                    break;
                case DnsConstants.TypeOpt:
                    for (int o = 0; o + 4 <= rdata.Length;)
                    {
                        ushort code = BinaryPrimitives.ReadUInt16BigEndian(rdata[o..]);
                        int optionLength = BinaryPrimitives.ReadUInt16BigEndian(rdata[(o + 2)..]);
                        if (code == DnsConstants.OptionExtendedError)
                        {
                            ede = BinaryPrimitives.ReadUInt16BigEndian(rdata[(o + 4)..]).ToString(System.Globalization.CultureInfo.InvariantCulture);
                            extraText = Encoding.UTF8.GetString(rdata.Slice(o + 6, optionLength - 2));
                        }

                        o += 4 + optionLength;
                    }

                    break;
            }

            position += DnsConstants.RecordFixedLength + rdLength;
        }

        Assert.Equal(message.Length, position);
        string name = rcode switch { DnsConstants.RcodeNoError => "NOERROR", DnsConstants.RcodeNxDomain => "NXDOMAIN", _ => rcode.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return string.Join(' ', [name, $"ede={ede}", $"an={an}", $"ns={ns}", $"ar={ar}", .. records]);
    }

    /// <summary>An owner name written out in full (the SOA's owner is not compressed).</summary>
    private static string OwnerName(ReadOnlySpan<byte> message, int position)
    {
        var labels = new List<string>();
        while (message[position] != 0)
        {
            int length = message[position];
            labels.Add(Encoding.ASCII.GetString(message.Slice(position + 1, length)));
            position += 1 + length;
        }

        return string.Join('.', labels);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

using System.Buffers.Binary;
using Palisade.Policy;
using Palisade.Dns.Wire;

namespace Palisade.Dns.Tests;

/// <summary>The wire layer: reading queries, writing blocked answers with EDE, truncation, and 0 B per answer.</summary>
public sealed class DnsQueryTests
{
    /// <summary>A query as dig sends it: RD, one question, an OPT record with DO and a 1232-byte buffer.</summary>
    internal static byte[] Query(string name, ushort type = DnsConstants.TypeA, bool edns = true, ushort id = 0x1234, byte version = 0)
    {
        var message = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, (byte)(edns ? 1 : 0) };
        foreach (string label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            message.Add((byte)label.Length);
            message.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        message.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        if (edns)
        {
            message.AddRange([0, 0, 41, 0x04, 0xD0, 0, version, 0x80, 0, 0, 0]);
        }

        return [.. message];
    }

    [Fact]
    public void TryParse_DigQuery_ReadsQuestionAndEdns()
    {
        char[] name = new char[255];
        Assert.Equal(DnsParseStatus.Ok, DnsQuery.TryParse(Query("WWW.Example.COM"), name, out DnsQuery query));
        Assert.Equal("www.example.com", new string(name, 0, query.NameLength));
        Assert.Equal(0x1234, query.Id);
        Assert.True(query.RecursionDesired);
        Assert.Equal(DnsConstants.TypeA, query.QuestionType);
        Assert.True(query.HasEdns);
        Assert.True(query.DnssecOk);
        Assert.Equal(1232, query.EdnsUdpSize);
        Assert.True(query.NameIsHostName);
        Assert.Equal(512, Query("a.example", edns: false) is var plain && DnsQuery.TryParse(plain, name, out DnsQuery q) == DnsParseStatus.Ok ? q.MaxUdpResponse : 0);
    }

    [Fact]
    public void TryParse_EveryTruncation_IsIncompleteOrInvalid()
    {
        byte[] message = Query("www.example.com");
        char[] name = new char[255];
        for (int length = 0; length < message.Length; length++)
        {
            DnsParseStatus status = DnsQuery.TryParse(message.AsSpan(0, length), name, out _);
            Assert.True(status is DnsParseStatus.Incomplete or DnsParseStatus.Invalid, $"cut at {length}: {status}");
        }
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "two questions", [0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0, 0, 1, 0, 1, 1, (byte)'b', 0, 0, 1, 0, 1] },
        { "label of 64", [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64, .. new byte[64], 0, 0, 1, 0, 1] },
        { "pointer in the question", [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1] },
        { "two OPT records", [.. Query("a.example")[..^11].Select((b, i) => i == 11 ? (byte)2 : b), .. Query("a.example")[^11..], .. Query("a.example")[^11..]] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryParse_Malformed_IsInvalid(string what, byte[] message)
    {
        Assert.True(DnsParseStatus.Invalid == DnsQuery.TryParse(message, new char[255], out _), what);
    }

    [Fact]
    public void WriteBlocked_NegativeSoa_InTheAuthoritySection_UnlessTheAnswerWouldPass512Bytes()
    {
        byte[] soa = DnsResponseWriter.NegativeSoa("rpz.palisade", 60, 7);
        byte[] text = DnsResponseWriter.ExtraText("rkn/1", null);
        byte[] request = Query("telegram.org");
        DnsQuery.TryParse(request, new char[255], out DnsQuery query);
        byte[] response = new byte[1024];
        int length = DnsResponseWriter.WriteBlocked(request, query, BlockAction.NxDomain, [], [], ExtendedDnsError.Censored, text, soa, response);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(8)));
        Assert.True(response.AsSpan(query.QuestionEnd, soa.Length).SequenceEqual(soa));
        Assert.Equal(query.QuestionEnd + soa.Length + 17 + text.Length, length);

        // A name near the longest with the longest EXTRA-TEXT: the SOA is left out so the answer stays within 512 bytes.
        string longName = string.Join('.', Enumerable.Repeat(new string('a', 62), 4));
        byte[] longRequest = Query(longName);
        DnsQuery.TryParse(longRequest, new char[255], out DnsQuery longQuery);
        byte[] longText = DnsResponseWriter.ExtraText("rkn/" + new string('x', 300), null);
        length = DnsResponseWriter.WriteBlocked(longRequest, longQuery, BlockAction.NxDomain, [], [], ExtendedDnsError.Censored, longText, soa, response);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(8)));
        Assert.True(length <= 512, $"{length} bytes");
    }

    [Fact]
    public void WriteBlocked_NxDomainWithExtendedError_NamesTheOrder()
    {
        byte[] request = Query("telegram.org");
        DnsQuery.TryParse(request, new char[255], out DnsQuery query);
        byte[] text = DnsResponseWriter.ExtraText("rkn/27-31-2018/Ид4412-18", "https://registry.example/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18");
        byte[] response = new byte[512];
        int length = DnsResponseWriter.WriteBlocked(request, query, BlockAction.NxDomain, [], [], ExtendedDnsError.Censored, text, [], response);

        Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(response));
        Assert.Equal(0x81, response[2]);
        Assert.Equal(0x83, response[3]);
        int opt = query.QuestionEnd;
        Assert.Equal(41, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(opt + 1)));
        Assert.Equal(15, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(opt + 11)));
        Assert.Equal(16, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(opt + 15)));
        Assert.Equal("order rkn/27-31-2018/Ид4412-18 https://registry.example/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18",
            System.Text.Encoding.UTF8.GetString(response, opt + 17, length - opt - 17));
    }

    [Fact]
    public void Responder_BlockedAndCachedAnswers_AllocateNothing()
    {
        var order = new PolicyOrder("rkn/R-1", "court-order", 0, null);
        var policy = CompiledPolicy.Build(new PolicyBundle("r", 1, 1, new byte[32], 0, [new("*.t.me", order), new("telegram.org", order)]));
        var options = new DnsServerOptions { PortalUrl = new Uri("https://registry.example/") };
        options.Listen.Add(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var metrics = new DnsMetrics();
        var cache = new DnsCache(100, TimeProvider.System);
        var responder = new DnsResponder(options, () => policy, TimeProvider.System, cache, metrics);
        byte[] blocked = Query("a.b.t.me");
        byte[] allowed = Query("ok.example");
        byte[] response = new byte[4096];
        char[] key = new char[300];

        // Cache an upstream answer for ok.example (A 192.0.2.1, TTL 300).
        Assert.Equal(DnsDisposition.Forward, responder.Respond(allowed, response, out _, out DnsQuery query, key, out int keyLength));
        cache.Store(new string(key, 0, keyLength), UpstreamAnswer(allowed, query, 1));

        // Counts answers that are what they should be; no assertion library calls inside the measured loop.
        int Answer()
        {
            int right = 0;
            right += responder.Respond(blocked, response, out _, out _, key, out _) == DnsDisposition.Answered && (response[3] & 0xF) == 3 ? 1 : 0;
            right += responder.Respond(allowed, response, out _, out _, key, out _) == DnsDisposition.Answered && response[7] == 1 ? 1 : 0;
            return right;
        }

        Assert.Equal(2, Answer());
        int correct = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            correct += Answer();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(200, correct);
        Assert.Equal(0, allocated);
        Assert.Equal(101, metrics.BlockedFor("rkn/R-1"));
    }

    [Fact]
    public void UpstreamResponse_EveryTruncation_IsReadWithoutThrowing()
    {
        // NXDOMAIN with a SOA in the authority section, names compressed against the question.
        byte[] query = Query("nowhere.example", edns: false);
        byte[] response = [.. query, 0xC0, 20, 0, 6, 0, 1, 0, 0, 0, 60, 0, 27, 2, (byte)'n', (byte)'s', 0xC0, 20, 0xC0, 20, 0, 0, 0, 1, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 30];
        response[2] = 0x81;
        response[3] = 0x83;
        response[9] = 1;
        int questionEnd = DnsMessageWalker.QuestionEnd(response);
        Assert.Equal(30u, DnsMessageWalker.CacheTtl(response, questionEnd));
        Assert.True(DnsMessageWalker.TryNormalise(response.ToArray(), questionEnd, 86_400));
        for (int length = 0; length < response.Length; length++)
        {
            byte[] cut = response[..length];
            int end = DnsMessageWalker.QuestionEnd(cut);
            if (end > 0)
            {
                Assert.Null(DnsMessageWalker.CacheTtl(cut, end));
                Assert.False(DnsMessageWalker.TryNormalise(cut.ToArray(), end, 86_400));
                DnsMessageWalker.Age(cut, end, 10);
            }
        }
    }

    [Fact]
    public void Tsig_SignedRequest_Verifies_AndEveryTruncationOrChangeDoesNot()
    {
        Assert.True(TsigKey.TryParse("hmac-sha256:xfr.palisade:c2VjcmV0LWtleS1mb3ItcGFsaXNhZGUtcnB6LXRyYW5zZmVycw==", out TsigKey? key, out string? error), error);
        byte[] query = Query("rpz.palisade", DnsConstants.TypeAxfr, edns: false);
        byte[] signed = new byte[512];
        query.CopyTo(signed, 0);
        const long Now = 1_796_161_634;
        int length = key.Sign(signed, query.Length, [], first: true, Now, 0x1234, 0, new byte[32]);
        signed = signed[..length];
        int questionEnd = query.Length;
        Assert.Equal(TsigStatus.Verified, key.Verify(signed, questionEnd, Now + 10, out byte[] mac));
        Assert.Equal(32, mac.Length);
        Assert.Equal(TsigStatus.BadTime, key.Verify(signed, questionEnd, Now + TsigKey.Fudge + 1, out _));
        Assert.Equal(TsigStatus.Unsigned, key.Verify(query, questionEnd, Now, out _));
        // Every byte but the message ID, which a forwarder may rewrite (the MAC covers the original ID, RFC 8945 §4.3.1).
        for (int i = 2; i < signed.Length; i++)
        {
            byte[] changed = [.. signed];
            changed[i] ^= 0x01;
            Assert.True(key.Verify(changed, questionEnd, Now, out _) != TsigStatus.Verified, $"byte {i} changed");
        }

        for (int cut = questionEnd; cut < signed.Length; cut++)
        {
            Assert.NotEqual(TsigStatus.Verified, key.Verify(signed[..cut], questionEnd, Now, out _));
        }

        Assert.True(TsigKey.TryParse("xfr.palisade:c2VjcmV0LWtleS1mb3ItcGFsaXNhZGUtcnB6LXRyYW5zZmVycw==", out _, out _));
        Assert.False(TsigKey.TryParse("hmac-md5:xfr.palisade:c2VjcmV0LWtleS1mb3ItcGFsaXNhZGUtcnB6LXRyYW5zZmVycw==", out _, out error));
        Assert.Contains("hmac-sha256", error, StringComparison.Ordinal);
        Assert.False(TsigKey.TryParse("xfr.palisade:c2hvcnQ=", out _, out error));
        Assert.Contains("at least 16", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Responder_CachedName_IsBlockedOnceAnOrderTakesEffect_OrANewVersionNamesIt()
    {
        var time = new SettableTime(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var pending = new PolicyOrder("rkn/R-2", "court-order", now + 60_000, null);
        var expiring = new PolicyOrder("rkn/R-3", "court-order", now - 60_000, now + 120_000);
        CompiledPolicy policy = CompiledPolicy.Build(new PolicyBundle("r", 1, 1, new byte[32], now, [new("later.example", pending), new("other.example", expiring)]));
        var options = new DnsServerOptions();
        options.Listen.Add(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var cache = new DnsCache(100, time);
        var responder = new DnsResponder(options, () => policy, time, cache, new DnsMetrics());
        byte[] response = new byte[4096];
        char[] key = new char[300];

        // later.example resolves upstream and is cached (TTL 300); its order takes effect in a minute.
        byte[] request = Query("later.example");
        Assert.Equal(DnsDisposition.Forward, responder.Respond(request, response, out _, out DnsQuery query, key, out int keyLength));
        cache.Store(new string(key, 0, keyLength), UpstreamAnswer(request, query, 1));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(DnsDisposition.Answered, responder.Respond(request, response, out _, out _, key, out _));
            Assert.Equal(0, response[3] & 0xF);
            Assert.Equal(1, response[7]);
        }

        // A minute later the cached answer is not served: the order is in force.
        time.Now = time.Now.AddSeconds(60);
        Assert.Equal(DnsDisposition.Answered, responder.Respond(request, response, out _, out _, key, out _));
        Assert.Equal(DnsConstants.RcodeNxDomain, response[3] & 0xF);

        // free.example is cached and served; a new version that names it blocks it at once.
        byte[] other = Query("free.example");
        Assert.Equal(DnsDisposition.Forward, responder.Respond(other, response, out _, out query, key, out keyLength));
        cache.Store(new string(key, 0, keyLength), UpstreamAnswer(other, query, 2));
        Assert.Equal(DnsDisposition.Answered, responder.Respond(other, response, out _, out _, key, out _));
        Assert.Equal(0, response[3] & 0xF);
        policy = CompiledPolicy.Build(new PolicyBundle("r", 2, 2, new byte[32], now, [new("free.example", new PolicyOrder("rkn/R-4", "court-order", now, null))]));
        Assert.Equal(DnsDisposition.Answered, responder.Respond(other, response, out _, out _, key, out _));
        Assert.Equal(DnsConstants.RcodeNxDomain, response[3] & 0xF);
    }

    /// <summary>An upstream's answer to <paramref name="request"/>: one A record 192.0.2.<paramref name="lastOctet"/>,
    /// TTL 300, and no OPT record.</summary>
    private static byte[] UpstreamAnswer(byte[] request, DnsQuery query, byte lastOctet)
    {
        byte[] answer = [.. request[..query.QuestionEnd], 0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, lastOctet];
        answer[2] = 0x81;
        answer[3] = 0x80;
        answer[7] = 1;
        answer[11] = 0;
        return answer;
    }

    private sealed class SettableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

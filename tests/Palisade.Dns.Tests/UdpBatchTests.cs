using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Palisade.Policy;

namespace Palisade.Dns.Tests;

/// <summary>UDP in batches (recvmmsg/sendmmsg on sockets sharing a port): bursts from many clients are each answered
/// once, on every socket of the port, and a datagram longer than a query can be is dropped.</summary>
public sealed class UdpBatchTests(UpstreamResolver upstream) : IClassFixture<UpstreamResolver>
{
    private static readonly PolicyOrder s_order = new("rkn/27-31-2018", "court-order", 0, null);

    private async Task<DnsServer> StartAsync(int threads)
    {
        CompiledPolicy policy = CompiledPolicy.Build(new PolicyBundle("registry.test/log", 1, 1, new byte[32], 0, [new("telegram.org", s_order)]));
        var options = new DnsServerOptions { PortalUrl = new Uri("https://registry.example/"), UdpThreads = threads };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, 0));
        options.Upstreams.Add(new IPEndPoint(IPAddress.Loopback, upstream.Port));
        var server = new DnsServer(options, () => policy);
        server.Start();
        await Task.Yield();
        return server;
    }

    /// <summary>A query for <paramref name="name"/> A with ID <paramref name="id"/>, padded with an EDNS OPT record whose
    /// padding option makes it <paramref name="padTo"/> bytes long when given.</summary>
    private static byte[] Query(ushort id, string name, int padTo = 0)
    {
        var message = new List<byte>();
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        header[2] = 0x01; // RD
        header[5] = 1; // QDCOUNT
        header[11] = padTo > 0 ? (byte)1 : (byte)0; // ARCOUNT
        message.AddRange(header.ToArray());
        foreach (string label in name.Split('.'))
        {
            message.Add((byte)label.Length);
            message.AddRange(Encoding.ASCII.GetBytes(label));
        }

        message.AddRange(new byte[] { 0, 0, 1, 0, 1 });
        if (padTo > 0)
        {
            int padding = padTo - message.Count - 11 - 4;
            message.AddRange(new byte[] { 0, 0, 41, 0x10, 0, 0, 0, 0, 0 });
            message.Add((byte)((padding + 4) >> 8));
            message.Add((byte)((padding + 4) & 0xFF));
            message.AddRange(new byte[] { 0, 12, (byte)(padding >> 8), (byte)(padding & 0xFF) });
            message.AddRange(new byte[padding]);
        }

        return [.. message];
    }

    private static int Rcode(byte[] answer) => answer[3] & 0x0F;

    [Fact]
    public async Task BurstsFromManyClients_AreEachAnsweredOnce_OnEverySocketOfThePort()
    {
        await using DnsServer server = await StartAsync(threads: 2);
        IPEndPoint endPoint = server.UdpEndPoints[0];

        // Two sockets share the port (SO_REUSEPORT), one per thread.
        string hexPort = endPoint.Port.ToString("X4", CultureInfo.InvariantCulture);
        string[] udp = await File.ReadAllLinesAsync("/proc/net/udp", TestContext.Current.CancellationToken);
        Assert.Equal(2, udp.Count(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var local, ..] && local == "0100007F:" + hexPort));

        // 40 clients (so the kernel spreads them over both sockets), each sending 25 queries without waiting: blocked
        // names, answered from the policy in batches, and allowed ones, forwarded.
        const int Clients = 40;
        const int PerClient = 25;
        var clients = Enumerable.Range(0, Clients).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 }).ToList();
        try
        {
            foreach (Socket client in clients)
            {
                client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                for (int i = 0; i < PerClient; i++)
                {
                    await client.SendToAsync(Query((ushort)i, i % 5 == 0 ? "ok.example" : "telegram.org"), endPoint, TestContext.Current.CancellationToken);
                }
            }

            byte[] buffer = new byte[4096];
            foreach (Socket client in clients)
            {
                var seen = new HashSet<ushort>();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                while (seen.Count < PerClient)
                {
                    int length = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    byte[] answer = buffer[..length];
                    ushort id = BinaryPrimitives.ReadUInt16BigEndian(answer);
                    Assert.True(seen.Add(id), $"query {id} answered twice");
                    Assert.Equal(id % 5 == 0 ? 0 : 3, Rcode(answer));
                }

                // Nothing more comes.
                client.ReceiveTimeout = 200;
                Assert.Throws<SocketException>(() => client.Receive(buffer));
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        Assert.Equal(Clients * PerClient * 4 / 5, server.Metrics.BlockedFor("rkn/27-31-2018"));
    }

    [Fact]
    public async Task DatagramLongerThanAQueryCanBe_IsDroppedAsMalformed_AndTheServerGoesOn()
    {
        await using DnsServer server = await StartAsync(threads: 1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 500 };
        client.Connect(server.UdpEndPoints[0]);
        byte[] buffer = new byte[65536];

        // A well-formed query just within the bound is answered; one byte over it is not read at all.
        byte[] largest = Query(1, "telegram.org", UdpBatch.MaxQueryLength);
        Assert.Equal(UdpBatch.MaxQueryLength, largest.Length);
        client.Send(largest);
        Assert.Equal(3, Rcode(buffer[..client.Receive(buffer)]));

        client.Send(Query(2, "telegram.org", UdpBatch.MaxQueryLength + 1));
        Assert.Throws<SocketException>(() => client.Receive(buffer));
        var metrics = new StringWriter();
        server.Metrics.WritePrometheus(metrics, new PolicyStatus(1, 1, 0, 1, 0));
        Assert.Contains("palisade_dns_malformed_total 1", metrics.ToString(), StringComparison.Ordinal);

        client.Send(Query(3, "telegram.org"));
        int length = client.Receive(buffer);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16BigEndian(buffer));
        Assert.Equal(3, Rcode(buffer[..length]));
    }
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Palisade.Dns;
using Palisade.Dns.Wire;

namespace Palisade.Probe;

/// <summary>
/// Asks one resolver for the A or AAAA records of a name, as a stub resolver does: over UDP with EDNS(0) (so Extended
/// DNS Errors can come back), again over TCP when the answer is truncated, with a timeout and one retry. With a local
/// address, its sockets are bound to it (the control's own path out of the network).
/// </summary>
public sealed class DnsLookup(IPEndPoint resolver, TimeSpan timeout, IPAddress? localAddress = null)
{
    private const int Attempts = 2;

    /// <summary>The resolver asked.</summary>
    public IPEndPoint Resolver { get; } = resolver;

    /// <summary>Looks <paramref name="name"/> up; the failure string (OONI's words) is set when no usable answer came.</summary>
    public async Task<DnsResult> QueryAsync(string name, ushort type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        byte[] query = BuildQuery(name, type);
        var clock = Stopwatch.StartNew();
        string failure = "generic_timeout_error";
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            try
            {
                byte[] response = await ExchangeUdpAsync(query, cancellationToken).ConfigureAwait(false);
                if ((BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(2)) & DnsConstants.FlagTc) != 0)
                {
                    response = await ExchangeTcpAsync(query, cancellationToken).ConfigureAwait(false);
                }

                return new DnsResult(name, type, DnsResponseParser.Parse(response, query), null, clock.Elapsed);
            }
            catch (TimeoutException)
            {
                failure = "generic_timeout_error";
            }
            catch (SocketException e)
            {
                failure = e.SocketErrorCode == SocketError.ConnectionRefused ? "connection_refused" : "generic_socket_error";
                break;
            }
            catch (FormatException)
            {
                failure = "dns_bogus_response";
            }
        }

        return new DnsResult(name, type, null, failure, clock.Elapsed);
    }

    /// <summary>A query for <paramref name="name"/> with RD and an OPT record advertising 1232 bytes.</summary>
    internal static byte[] BuildQuery(string name, ushort type)
    {
        string dotless = name.TrimEnd('.').ToLowerInvariant();
        byte[] message = new byte[DnsConstants.HeaderLength + DnsName.WireLength(dotless) + 4 + 11];
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), DnsConstants.FlagRd);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(10), 1);
        int position = DnsConstants.HeaderLength + DnsName.Write(dotless, message.AsSpan(DnsConstants.HeaderLength));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(position), type);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(position + 2), DnsConstants.ClassIn);
        position += 4;
        // OPT: root owner, type, UDP size, extended rcode/version/flags 0, no options.
        message[position] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(position + 1), DnsConstants.TypeOpt);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(position + 3), DnsConstants.UdpPayloadSize);
        return message;
    }

    private async Task<byte[]> ExchangeUdpAsync(byte[] query, CancellationToken cancellationToken)
    {
        using var socket = new Socket(Resolver.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        Bind(socket);
        socket.Connect(Resolver);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        byte[] buffer = new byte[DnsConstants.MaxMessageLength];
        try
        {
            await socket.SendAsync(query, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            while (true)
            {
                int received = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);

                // A datagram with another id is not ours (late answer to a timed-out try): keep waiting.
                if (received >= 2 && buffer[0] == query[0] && buffer[1] == query[1])
                {
                    return buffer[..received];
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
    }

    private async Task<byte[]> ExchangeTcpAsync(byte[] query, CancellationToken cancellationToken)
    {
        using var socket = new Socket(Resolver.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        Bind(socket);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(Resolver, deadline.Token).ConfigureAwait(false);
            byte[] framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            await socket.SendAsync(framed, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            byte[] length = new byte[2];
            await ReceiveExactlyAsync(socket, length, deadline.Token).ConfigureAwait(false);
            byte[] response = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            await ReceiveExactlyAsync(socket, response, deadline.Token).ConfigureAwait(false);
            return response;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
    }

    private void Bind(Socket socket)
    {
        if (localAddress is not null)
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
        }
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                throw new FormatException("the resolver closed the TCP connection mid-answer");
            }

            buffer = buffer[received..];
        }
    }
}

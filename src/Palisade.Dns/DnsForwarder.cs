using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>
/// Sends queries to the upstream resolvers: each attempt from a new UDP socket (a random source port) with a random
/// query ID, accepting only an answer from that upstream with that ID and the same question; over TCP when the answer
/// is truncated (RFC 7766); on to the next upstream after a timeout or a failure.
/// </summary>
internal sealed class DnsForwarder
{
    private readonly IReadOnlyList<IPEndPoint> _upstreams;
    private readonly TimeSpan _timeout;
    private readonly int _attempts;
    private readonly DnsMetrics _metrics;
    private int _next;

    public DnsForwarder(IReadOnlyList<IPEndPoint> upstreams, TimeSpan timeout, int attempts, DnsMetrics metrics)
    {
        _upstreams = upstreams;
        _timeout = timeout;
        _attempts = attempts;
        _metrics = metrics;
    }

    /// <summary>What <see cref="ForwardAsync"/> returns when the answer is longer than the buffer it was given.</summary>
    public const int TooLarge = -1;

    /// <summary>Forwards <paramref name="request"/> and writes the answer, with the client's ID, into <paramref name="response"/>.</summary>
    /// <returns>The answer's length, 0 when no upstream answered, or <see cref="TooLarge"/> when the answer does not fit
    /// <paramref name="response"/>.</returns>
    public async Task<int> ForwardAsync(ReadOnlyMemory<byte> request, int questionEnd, Memory<byte> response, CancellationToken cancellationToken)
    {
        if (_upstreams.Count == 0)
        {
            return 0;
        }

        ushort clientId = BinaryPrimitives.ReadUInt16BigEndian(request.Span);
        byte[] outgoing = ArrayPool<byte>.Shared.Rent(request.Length);
        try
        {
            request.CopyTo(outgoing);
            int first = (int)((uint)Interlocked.Increment(ref _next) % (uint)_upstreams.Count);
            for (int attempt = 0; attempt < _attempts; attempt++)
            {
                IPEndPoint upstream = _upstreams[(first + attempt) % _upstreams.Count];
                ushort id = (ushort)RandomNumberGenerator.GetInt32(65536);
                BinaryPrimitives.WriteUInt16BigEndian(outgoing, id);
                long started = Stopwatch.GetTimestamp();
                int length;
                try
                {
                    length = await ExchangeUdpAsync(upstream, outgoing.AsMemory(0, request.Length), questionEnd, id, response, cancellationToken).ConfigureAwait(false);

                    // A datagram that fills the buffer may have been cut by it: ask over TCP, as for a truncated answer.
                    if (length == response.Length || length > 0 && (BinaryPrimitives.ReadUInt16BigEndian(response.Span[DnsConstants.FlagsOffset..]) & DnsConstants.FlagTc) != 0)
                    {
                        length = await ExchangeTcpAsync(upstream, outgoing.AsMemory(0, request.Length), questionEnd, id, response, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    length = 0;
                }

                if (length == TooLarge)
                {
                    return TooLarge;
                }

                if (length > 0)
                {
                    _metrics.UpstreamAnswered(Stopwatch.GetElapsedTime(started));
                    BinaryPrimitives.WriteUInt16BigEndian(response.Span, clientId);
                    return length;
                }

                _metrics.UpstreamFailed();
            }

            return 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(outgoing);
        }
    }

    private async Task<int> ExchangeUdpAsync(IPEndPoint upstream, ReadOnlyMemory<byte> query, int questionEnd, ushort id, Memory<byte> response, CancellationToken cancellationToken)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        // Connecting binds an ephemeral (random) source port and filters datagrams from anyone but the upstream.
        socket.Connect(upstream);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        await socket.SendAsync(query, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        while (true)
        {
            int received = await socket.ReceiveAsync(response, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (Matches(query.Span, questionEnd, response.Span[..received], id))
            {
                return received;
            }
        }
    }

    private async Task<int> ExchangeTcpAsync(IPEndPoint upstream, ReadOnlyMemory<byte> query, int questionEnd, ushort id, Memory<byte> response, CancellationToken cancellationToken)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        await socket.ConnectAsync(upstream, timeout.Token).ConfigureAwait(false);
        byte[] prefix = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)query.Length);
        await socket.SendAsync(prefix, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        await socket.SendAsync(query, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        await ReceiveExactlyAsync(socket, prefix, timeout.Token).ConfigureAwait(false);
        int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        if (length > response.Length)
        {
            return TooLarge;
        }

        await ReceiveExactlyAsync(socket, response[..length], timeout.Token).ConfigureAwait(false);
        return Matches(query.Span, questionEnd, response.Span[..length], id) ? length : 0;
    }

    internal static async ValueTask ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the peer closed the connection mid-message");
            }

            buffer = buffer[read..];
        }
    }

    /// <summary>An answer to our query: a response, our ID, and the question we asked, byte for byte.</summary>
    private static bool Matches(ReadOnlySpan<byte> query, int questionEnd, ReadOnlySpan<byte> answer, ushort id) =>
        answer.Length >= questionEnd
        && BinaryPrimitives.ReadUInt16BigEndian(answer) == id
        && (BinaryPrimitives.ReadUInt16BigEndian(answer[DnsConstants.FlagsOffset..]) & DnsConstants.FlagQr) != 0
        && answer[4..6].SequenceEqual(query[4..6])
        && answer[DnsConstants.HeaderLength..questionEnd].SequenceEqual(query[DnsConstants.HeaderLength..questionEnd]);
}

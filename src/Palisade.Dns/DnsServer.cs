using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Core;
using Palisade.Policy;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>
/// The enforcing DNS server: UDP and TCP on the configured addresses, blocked names answered from the compiled policy
/// with an Extended DNS Error naming the order, everything else forwarded to the upstreams through a cache. The policy
/// comes from a delegate (the subscription's current snapshot), read once per query and never locked.
/// </summary>
public sealed partial class DnsServer : IAsyncDisposable
{
    private readonly DnsServerOptions _options;
    private readonly ILogger _logger;
    private readonly DnsResponder _responder;
    private readonly DnsForwarder _forwarder;
    private readonly DnsCache _cache;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _loops = [];
    private int _inFlight;
    private int _pendingReplies;
    private readonly HashSet<TcpClientConnection> _tcpClients = [];
    private readonly Dictionary<IPAddress, int> _tcpPerClient = [];

    /// <summary>Creates the server; <see cref="Start"/> binds it.</summary>
    public DnsServer(DnsServerOptions options, Func<CompiledPolicy> policy, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        Metrics = new DnsMetrics();
        TimeProvider clock = time ?? TimeProvider.System;
        _cache = new DnsCache(options.CacheEntries, clock, (uint)options.MaxCacheTtl.TotalSeconds);
        _responder = new DnsResponder(options, policy, clock, _cache, Metrics);
        _forwarder = new DnsForwarder([.. options.Upstreams], options.UpstreamTimeout, options.UpstreamAttempts, Metrics);
        if (options.RpzZone is not null)
        {
            Rpz = new RpzZone(options.RpzZone, logger, options.MaxConcurrentTransfers, clock) { TransferKey = options.RpzTsig, Ttl = (uint)options.NegativeTtl.TotalSeconds };
            _responder.Rpz = Rpz;
            foreach (IPEndPoint target in options.Notify)
            {
                Rpz.NotifyTargets.Add(target);
            }

            foreach (IpPrefix allowed in options.EffectiveRpzAllow())
            {
                Rpz.TransferAllowed.Add(allowed);
            }
        }
    }

    /// <summary>The counters.</summary>
    public DnsMetrics Metrics { get; }

    /// <summary>The bound UDP addresses, in the order of <see cref="DnsServerOptions.Listen"/>.</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints { get; private set; } = [];

    /// <summary>The bound TCP addresses.</summary>
    public IReadOnlyList<IPEndPoint> TcpEndPoints { get; private set; } = [];

    /// <summary>The RPZ zone served by AXFR and IXFR on the TCP port; null serves none.</summary>
    public RpzZone? Rpz { get; }

    /// <summary>How many ports are tried for an address of port 0 before giving up.</summary>
    private const int MaxPortAttempts = 16;

    /// <summary>A UDP and a TCP socket bound to the same address and port. For port 0 the UDP socket picks the port, and
    /// when TCP finds it taken another is tried. With <paramref name="sharedUdp"/> the UDP socket lets the server's other
    /// UDP sockets bind the same port (<c>SO_REUSEPORT</c>; the kernel spreads the clients over them).</summary>
    private static (Socket Udp, Socket Tcp, IPEndPoint Bound) BindPair(IPEndPoint endPoint, bool sharedUdp)
    {
        for (int attempt = 1; ; attempt++)
        {
            Socket udp = UdpSocket(endPoint.AddressFamily, sharedUdp);
            var tcp = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                udp.Bind(endPoint);
                var bound = (IPEndPoint)udp.LocalEndPoint!;
                tcp.Bind(bound);
                return (udp, tcp, bound);
            }
            catch (SocketException e) when (endPoint.Port == 0 && e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < MaxPortAttempts)
            {
                udp.Dispose();
                tcp.Dispose();
            }
            catch
            {
                udp.Dispose();
                tcp.Dispose();
                throw;
            }
        }
    }

    private const int SocketLevel = 1;
    private const int ReusePortOption = 15;

    private static Socket UdpSocket(AddressFamily family, bool shared)
    {
        // A large receive buffer absorbs bursts while the receive loops are busy (the kernel caps it at rmem_max).
        var udp = new Socket(family, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20 };
        if (shared)
        {
            udp.SetRawSocketOption(SocketLevel, ReusePortOption, BitConverter.GetBytes(1));
        }

        return udp;
    }

    /// <summary>Binds every address over UDP and TCP and starts serving.</summary>
    /// <exception cref="SocketException">An address cannot be bound (in use, not local).</exception>
    public void Start()
    {
        var udp = new List<IPEndPoint>();
        var tcp = new List<IPEndPoint>();
        // On Linux each UDP socket has a thread of its own taking queries in batches (UdpBatch), one socket per thread on
        // the same port; elsewhere asynchronous loops share one socket.
        bool batched = OperatingSystem.IsLinux();
        int threads = _options.UdpThreads;
        foreach (IPEndPoint endPoint in _options.Listen)
        {
            (Socket udpSocket, Socket tcpSocket, IPEndPoint bound) = BindPair(endPoint, sharedUdp: batched && threads > 1);
            _sockets.Add(udpSocket);
            _sockets.Add(tcpSocket);
            tcpSocket.Listen(512);
            udp.Add(bound);
            tcp.Add((IPEndPoint)tcpSocket.LocalEndPoint!);
            if (batched)
            {
                var group = new List<Socket> { udpSocket };
                for (int i = 1; i < threads; i++)
                {
                    Socket more = UdpSocket(bound.AddressFamily, shared: true);
                    _sockets.Add(more);
                    more.Bind(bound);
                    group.Add(more);
                }

                foreach (Socket socket in group)
                {
                    _loops.Add(Task.Factory.StartNew(() => ServeUdpBatched(socket), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
                }
            }
            else
            {
                for (int i = 0; i < threads; i++)
                {
                    _loops.Add(Task.Run(() => ServeUdpAsync(udpSocket)));
                }
            }

            _loops.Add(Task.Run(() => AcceptTcpAsync(tcpSocket)));
            LogListening(_logger, bound);
        }

        UdpEndPoints = udp;
        TcpEndPoints = tcp;
    }

    /// <summary>Stops serving and closes every socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);

        // Forwards in flight end on the cancellation; let them finish before their socket goes away.
        for (int i = 0; i < 100 && Volatile.Read(ref _pendingReplies) > 0; i++)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or TimeoutException or NullReferenceException)
        {
            // A loop that was replying when its socket closed may fail in the runtime's send path (a send on a socket
            // disposed under it surfaces as NullReferenceException from SocketAsyncEventArgs): the server is stopping.
        }

        _stop.Dispose();
    }

    /// <summary>Serves one UDP socket on the calling thread: a batch of queries in, the answers out together, forwards
    /// started on their own.</summary>
    private void ServeUdpBatched(Socket socket)
    {
        using var batch = new UdpBatch(socket);
        char[] key = new char[DnsConstants.MaxNameLength + 32];
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            int count;
            try
            {
                count = batch.Receive();
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            for (int slot = 0; slot < count; slot++)
            {
                Metrics.Query(tcp: false);
                ReadOnlySpan<byte> request = batch.Query(slot);
                byte[] response = batch.Answers[slot];
                DnsDisposition disposition = _responder.Respond(request, response, out int length, out DnsQuery query, key, out int keyLength);
                if (disposition == DnsDisposition.Answered)
                {
                    batch.QueueAnswer(slot, length > query.MaxUdpResponse && length > DnsConstants.HeaderLength ? Truncate(response, length) : length);
                }
                else if (disposition == DnsDisposition.Forward)
                {
                    // The socket address as the system wrote it, which is SocketAddress's layout too.
                    ReadOnlySpan<byte> sender = batch.Sender(slot);
                    var peer = new SocketAddress(socket.AddressFamily, sender.Length);
                    sender.CopyTo(peer.Buffer.Span);
                    _ = ForwardUdpAsync(socket, request.ToArray(), query, new string(key, 0, keyLength), peer, stop);
                }
            }

            try
            {
                batch.SendQueued();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task ServeUdpAsync(Socket socket)
    {
        byte[] request = new byte[DnsConstants.MaxMessageLength];
        byte[] response = new byte[DnsConstants.MaxMessageLength];
        char[] key = new char[DnsConstants.MaxNameLength + 32];
        var peer = new SocketAddress(socket.AddressFamily);
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(request, SocketFlags.None, peer, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP port unreachable from an earlier reply surfaces here on some systems: keep serving.
                continue;
            }

            Metrics.Query(tcp: false);
            DnsDisposition disposition = _responder.Respond(request.AsSpan(0, received), response, out int length, out DnsQuery query, key, out int keyLength);
            if (disposition == DnsDisposition.Answered)
            {
                await ReplyUdpAsync(socket, response, length, query, peer, stop).ConfigureAwait(false);
            }
            else if (disposition == DnsDisposition.Forward)
            {
                // The forward runs on its own; this loop goes on receiving. It owns copies of what it needs.
                var copy = new SocketAddress(peer.Family, peer.Size);
                peer.Buffer.CopyTo(copy.Buffer);
                _ = ForwardUdpAsync(socket, request.AsSpan(0, received).ToArray(), query, new string(key, 0, keyLength), copy, stop);
            }
        }
    }

    private async Task ForwardUdpAsync(Socket socket, byte[] request, DnsQuery query, string key, SocketAddress peer, CancellationToken stop)
    {
        Interlocked.Increment(ref _pendingReplies);

        // A forwarded query holds its answer buffer for as long as the upstream takes: rented, and no larger than a UDP
        // client needs (DnsConstants.UdpForwardBuffer).
        byte[] response = System.Buffers.ArrayPool<byte>.Shared.Rent(DnsConstants.UdpForwardBuffer);
        try
        {
            int length = await ForwardAsync(request, query, key, response, stop).ConfigureAwait(false);
            await ReplyUdpAsync(socket, response, length, query, peer, stop).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(response);
            Interlocked.Decrement(ref _pendingReplies);
        }
    }

    /// <summary>Forwards, caches and returns the answer; SERVFAIL when no upstream answers or too many are in flight.</summary>
    private async Task<int> ForwardAsync(byte[] request, DnsQuery query, string key, byte[] response, CancellationToken stop)
    {
        int length = 0;
        if (Interlocked.Increment(ref _inFlight) <= _options.MaxInFlight)
        {
            try
            {
                length = await _forwarder.ForwardAsync(request, query.QuestionEnd, response, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                length = 0;
            }
        }

        Interlocked.Decrement(ref _inFlight);
        if (length == DnsForwarder.TooLarge)
        {
            // Longer than the buffer of a UDP client's forward: the client could only have had it truncated, and asks
            // again over TCP (RFC 7766 §5).
            length = DnsResponseWriter.WriteError(request, query, questionRead: true, DnsConstants.RcodeNoError, response);
            response[DnsConstants.FlagsOffset] |= DnsConstants.FlagTc >> 8;
            return length;
        }

        if (length > 0 && !DnsMessageWalker.TryNormalise(response.AsSpan(0, length), query.QuestionEnd, (uint)_options.MaxCacheTtl.TotalSeconds))
        {
            // An answer we cannot read whole is neither cached nor passed on.
            Metrics.UpstreamMalformed();
            length = 0;
        }

        if (length > 0)
        {
            _cache.Store(key, response.AsSpan(0, length));
            return _responder.EnforceAnswerAddresses(request, query, response, length);
        }

        Metrics.ServFail();
        return DnsResponseWriter.WriteError(request, query, questionRead: true, DnsConstants.RcodeServFail, response);
    }

    /// <summary>Sends a UDP answer, truncated to the client's size with TC set when it does not fit (RFC 6891 §7).</summary>
    private async ValueTask ReplyUdpAsync(Socket socket, byte[] response, int length, DnsQuery query, SocketAddress peer, CancellationToken stop)
    {
        if (length > query.MaxUdpResponse && length > DnsConstants.HeaderLength)
        {
            length = Truncate(response, length);
        }

        try
        {
            await socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, peer, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>Keeps the header and question, sets TC and drops the records, so the client retries over TCP.</summary>
    private static int Truncate(byte[] response, int length)
    {
        int questionEnd = DnsMessageWalker.QuestionEnd(response.AsSpan(0, length));
        if (questionEnd < 0)
        {
            questionEnd = DnsConstants.HeaderLength;
        }

        response[DnsConstants.FlagsOffset] |= DnsConstants.FlagTc >> 8;
        response.AsSpan(6, 6).Clear();
        return questionEnd;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Palisade DNS listening on {EndPoint} (UDP and TCP)")]
    private static partial void LogListening(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "TCP connection ended: {Reason}")]
    private static partial void LogTcpEnded(ILogger logger, string reason);
}

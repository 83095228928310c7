using System.Buffers.Binary;
using System.Net.Sockets;

namespace Palisade.Dns;

public sealed partial class DnsServer
{
    private async Task AcceptTcpAsync(Socket listener)
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (Interlocked.Increment(ref _tcpConnections) > _options.MaxTcpConnections)
            {
                Interlocked.Decrement(ref _tcpConnections);
                connection.Dispose();
                continue;
            }

            _ = ServeTcpAsync(connection, stop);
        }
    }

    /// <summary>
    /// One TCP connection: length-prefixed messages (RFC 1035 §4.2.2), pipelined — each query is answered when its
    /// answer is ready, possibly out of order (RFC 7766 §6.2.1.1) — closed after an idle period.
    /// </summary>
    private async Task ServeTcpAsync(Socket connection, CancellationToken stop)
    {
        using var writeLock = new SemaphoreSlim(1, 1);
        var pending = new List<Task>();
        byte[] prefix = new byte[2];
        char[] key = new char[DnsConstants.MaxNameLength + 32];
        char[] name = new char[DnsConstants.MaxNameLength];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    idle.CancelAfter(_options.TcpIdleTimeout);
                    int first = await connection.ReceiveAsync(prefix, SocketFlags.None, idle.Token).ConfigureAwait(false);
                    if (first == 0)
                    {
                        break;
                    }

                    if (first == 1)
                    {
                        await DnsForwarder.ReceiveExactlyAsync(connection, prefix.AsMemory(1), idle.Token).ConfigureAwait(false);
                    }
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
                byte[] request = new byte[length];
                using (var read = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    read.CancelAfter(_options.TcpIdleTimeout);
                    await DnsForwarder.ReceiveExactlyAsync(connection, request, read.Token).ConfigureAwait(false);
                }

                Metrics.Query(tcp: true);

                // A zone transfer of the RPZ zone is answered here, whole, before any other query on the connection.
                if (Rpz is not null && DnsQuery.TryParse(request, name, out DnsQuery transfer) == DnsParseStatus.Ok
                    && transfer.QuestionType is DnsConstants.TypeAxfr or DnsConstants.TypeIxfr)
                {
                    await writeLock.WaitAsync(stop).ConfigureAwait(false);
                    try
                    {
                        if (await Rpz.TransferAsync(request, transfer, new string(name, 0, transfer.NameLength), connection, stop).ConfigureAwait(false))
                        {
                            continue;
                        }
                    }
                    finally
                    {
                        writeLock.Release();
                    }
                }

                byte[] response = new byte[DnsConstants.MaxMessageLength];
                DnsDisposition disposition = _responder.Respond(request, response, out int answered, out DnsQuery query, key, out int keyLength);
                if (disposition == DnsDisposition.Drop)
                {
                    break;
                }

                if (disposition == DnsDisposition.Answered)
                {
                    await WriteTcpAsync(connection, writeLock, response, answered, stop).ConfigureAwait(false);
                }
                else
                {
                    string cacheKey = new(key, 0, keyLength);
                    pending.Add(ForwardTcpAsync(connection, writeLock, request, query, cacheKey, response, stop));
                    pending.RemoveAll(t => t.IsCompleted);
                }
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
        {
            LogTcpEnded(_logger, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _tcpConnections);
            connection.Dispose();
        }
    }

    private async Task ForwardTcpAsync(Socket connection, SemaphoreSlim writeLock, byte[] request, DnsQuery query, string key, byte[] response, CancellationToken stop)
    {
        int length = await ForwardAsync(request, query, key, response, stop).ConfigureAwait(false);
        await WriteTcpAsync(connection, writeLock, response, length, stop).ConfigureAwait(false);
    }

    internal static async Task WriteTcpAsync(Socket connection, SemaphoreSlim writeLock, byte[] response, int length, CancellationToken stop)
    {
        byte[] framed = new byte[length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)length);
        response.AsSpan(0, length).CopyTo(framed.AsSpan(2));
        await writeLock.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            await connection.SendAsync(framed, SocketFlags.None, stop).ConfigureAwait(false);
        }
        finally
        {
            writeLock.Release();
        }
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Palisade.Dns.Wire;

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

            if (!TryAdmit(connection, out TcpClientConnection? admitted))
            {
                connection.Dispose();
                continue;
            }

            _ = ServeTcpAsync(admitted, stop);
        }
    }

    /// <summary>
    /// Admits a new TCP connection within the limits: at most <see cref="DnsServerOptions.MaxTcpConnectionsPerClient"/>
    /// from one address, so one client cannot take every slot; and at most <see cref="DnsServerOptions.MaxTcpConnections"/>
    /// in all, where under pressure the connection idle for longest is closed to make room (RFC 7766 §6.2.3).
    /// </summary>
    private bool TryAdmit(Socket socket, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TcpClientConnection? admitted)
    {
        admitted = null;
        IPAddress client = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        lock (_tcpClients)
        {
            _tcpPerClient.TryGetValue(client, out int fromClient);
            if (fromClient >= _options.MaxTcpConnectionsPerClient)
            {
                Metrics.TcpRefused();
                return false;
            }

            if (_tcpClients.Count >= _options.MaxTcpConnections)
            {
                TcpClientConnection? oldest = null;
                foreach (TcpClientConnection candidate in _tcpClients)
                {
                    if (candidate.IsIdle && (oldest is null || candidate.LastActivity < oldest.LastActivity))
                    {
                        oldest = candidate;
                    }
                }

                if (oldest is null)
                {
                    Metrics.TcpRefused();
                    return false;
                }

                // Closing the socket ends that connection's read; its loop then leaves the table.
                oldest.Close();
                Forget(oldest);
                Metrics.TcpIdleClosed();
            }

            admitted = new TcpClientConnection(socket, client);
            _tcpClients.Add(admitted);
            _tcpPerClient[client] = fromClient + 1;
            return true;
        }
    }

    private void Forget(TcpClientConnection connection)
    {
        lock (_tcpClients)
        {
            if (!_tcpClients.Remove(connection))
            {
                return;
            }

            if (_tcpPerClient.TryGetValue(connection.Client, out int count) && count > 1)
            {
                _tcpPerClient[connection.Client] = count - 1;
            }
            else
            {
                _tcpPerClient.Remove(connection.Client);
            }
        }
    }

    /// <summary>
    /// One TCP connection: length-prefixed messages (RFC 1035 §4.2.2), pipelined — each query is answered when its
    /// answer is ready, possibly out of order (RFC 7766 §6.2.1.1) — closed after an idle period.
    /// </summary>
    private async Task ServeTcpAsync(TcpClientConnection client, CancellationToken stop)
    {
        Socket connection = client.Socket;
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
                    pending.RemoveAll(t => t.IsCompleted);
                    client.Waiting(pending.Count == 0);
                    int first = await connection.ReceiveAsync(prefix, SocketFlags.None, idle.Token).ConfigureAwait(false);
                    client.Busy();
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
                        if (await Rpz.TransferAsync(request, transfer, new string(name, 0, transfer.NameLength), connection, client.Client, stop).ConfigureAwait(false))
                        {
                            continue;
                        }
                    }
                    finally
                    {
                        writeLock.Release();
                    }
                }

                // Rented, not allocated (64 KiB per query); a forwarded query returns it when its answer is written.
                byte[] response = System.Buffers.ArrayPool<byte>.Shared.Rent(DnsConstants.MaxMessageLength);
                DnsDisposition disposition = _responder.Respond(request, response.AsSpan(0, DnsConstants.MaxMessageLength), out int answered, out DnsQuery query, key, out int keyLength);
                if (disposition == DnsDisposition.Drop)
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(response);
                    break;
                }

                if (disposition == DnsDisposition.Answered)
                {
                    try
                    {
                        await WriteTcpAsync(connection, writeLock, response, answered, stop).ConfigureAwait(false);
                    }
                    finally
                    {
                        System.Buffers.ArrayPool<byte>.Shared.Return(response);
                    }
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
            Forget(client);
            connection.Dispose();
        }
    }

    /// <summary>Forwards one query of a TCP connection and writes its answer; returns the rented answer buffer.</summary>
    private async Task ForwardTcpAsync(Socket connection, SemaphoreSlim writeLock, byte[] request, DnsQuery query, string key, byte[] response, CancellationToken stop)
    {
        try
        {
            int length = await ForwardAsync(request, query, key, response, stop).ConfigureAwait(false);
            await WriteTcpAsync(connection, writeLock, response, length, stop).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(response);
        }
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

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Palisade.Dns;

/// <summary>One client's TCP connection as the server's connection table sees it: whose it is, and whether it is
/// idle (waiting for a query with no answer outstanding) since when, so the longest idle one can be closed first.</summary>
internal sealed class TcpClientConnection(Socket socket, IPAddress client)
{
    private long _lastActivity = Stopwatch.GetTimestamp();
    private volatile bool _idle;

    public Socket Socket { get; } = socket;

    public IPAddress Client { get; } = client;

    /// <summary>When the connection last received a query or became idle (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public bool IsIdle => _idle;

    /// <summary>The connection waits for the next query; idle when no answer is outstanding.</summary>
    public void Waiting(bool idle)
    {
        if (idle && !_idle)
        {
            Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        }

        _idle = idle;
    }

    /// <summary>A query is arriving.</summary>
    public void Busy()
    {
        _idle = false;
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
    }

    /// <summary>Closes the connection; its read ends and its loop leaves the table.</summary>
    public void Close()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        Socket.Dispose();
    }
}

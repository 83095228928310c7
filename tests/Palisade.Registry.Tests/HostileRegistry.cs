using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>
/// A registry that attacks whoever follows or audits it: a validly signed checkpoint of six entries, and then one
/// resource that is far larger than its format allows, declared or streamed without end. It speaks HTTP/1.1 on a raw
/// socket, one request a connection, so that it counts exactly the bytes the reader's socket took: a reader that stops
/// at its bound leaves the rest unsent.
/// </summary>
public sealed class HostileRegistry : IAsyncDisposable
{
    /// <summary>What the registry serves too much of.</summary>
    public enum Attack
    {
        /// <summary>The entry bundle of the six entries declares a Content-Length of 1 GiB.</summary>
        DeclaredHugeTile,

        /// <summary>The entry bundle is chunked and never ends.</summary>
        EndlessTile,

        /// <summary>The checkpoint is chunked and never ends.</summary>
        EndlessCheckpoint,
    }

    private const long Gibibyte = 1L << 30;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Attack _attack;
    private readonly string _checkpoint;
    private readonly Task _accepting;
    private long _sent;

    private HostileRegistry(Attack attack)
    {
        _attack = attack;
        Key = NoteSigner.Generate("hostile.test/log");
        _checkpoint = Key.SignNote(new Checkpoint(Key.Name, 6, new byte[MerkleHash.Size]).ToText());
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public NoteSigner Key { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Bytes of the oversized resource the readers' sockets took so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public static Task<HostileRegistry> StartAsync(Attack attack) => Task.FromResult(new HostileRegistry(attack));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
        Key.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket = await _listener.AcceptSocketAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                string path = await ReadRequestPathAsync(socket);
                if (path == "/log/key")
                {
                    await SendAsync(socket, Head(200, Encoding.ASCII.GetByteCount(Key.VerifierKey) + 1) + Key.VerifierKey + "\n");
                }
                else if (path == "/log/checkpoint" && _attack != Attack.EndlessCheckpoint)
                {
                    await SendAsync(socket, Head(200, Encoding.UTF8.GetByteCount(_checkpoint)) + _checkpoint);
                }
                else if (path == "/log/checkpoint")
                {
                    await SendAsync(socket, Head(200, null));
                    await SendEndlessAsync(socket, chunked: true, Encoding.UTF8.GetBytes(_checkpoint));
                }
                else if (path.StartsWith("/log/tile/entries/", StringComparison.Ordinal) && _attack != Attack.EndlessCheckpoint)
                {
                    bool declared = _attack == Attack.DeclaredHugeTile;
                    await SendAsync(socket, Head(200, declared ? Gibibyte : null));
                    await SendEndlessAsync(socket, chunked: !declared, first: []);
                }
                else
                {
                    await SendAsync(socket, Head(404, 0));
                }
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The reader hung up: what it took is counted.
            }
        }
    }

    private static async Task<string> ReadRequestPathAsync(Socket socket)
    {
        var head = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await socket.ReceiveAsync(buffer);
            if (read == 0 || head.Length > 16 * 1024)
            {
                throw new IOException("the request ended before its head");
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return head.ToString().Split(' ', 3)[1].Split('?')[0];
    }

    private static string Head(int status, long? length) =>
        $"HTTP/1.1 {status.ToString(CultureInfo.InvariantCulture)} {(status == 200 ? "OK" : "Not Found")}\r\nConnection: close\r\nContent-Type: application/octet-stream\r\n" +
        (length is { } n ? $"Content-Length: {n.ToString(CultureInfo.InvariantCulture)}\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n";

    private static async Task SendAsync(Socket socket, string text) => await socket.SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends <paramref name="first"/> and then bytes until the reader hangs up or 1 GiB has gone.</summary>
    private async Task SendEndlessAsync(Socket socket, bool chunked, byte[] first)
    {
        byte[] data = new byte[64 * 1024];
        Array.Fill(data, (byte)'A');
        byte[] chunkHead = Encoding.ASCII.GetBytes(data.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
        byte[] crlf = "\r\n"u8.ToArray();
        if (first.Length > 0)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(first.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            await socket.SendAsync(first);
            await socket.SendAsync(crlf);
        }

        for (long sent = 0; sent < Gibibyte && !_stop.IsCancellationRequested; sent += data.Length)
        {
            if (chunked)
            {
                await socket.SendAsync(chunkHead);
            }

            await socket.SendAsync(data);
            Interlocked.Add(ref _sent, data.Length);
            if (chunked)
            {
                await socket.SendAsync(crlf);
            }
        }
    }
}

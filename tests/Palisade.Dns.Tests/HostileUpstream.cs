using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Palisade.Dns.Wire;

namespace Palisade.Dns.Tests;

/// <summary>
/// An upstream that answers as an attacker would (there is no real resolver that sends broken answers on request):
/// over UDP on loopback, each query's first label picks the answer — a compression loop, counts beyond the message, a
/// bad RDLENGTH, a TTL above 2^31−1, a week-long TTL, or an address — for the question it was asked.
/// </summary>
internal sealed class HostileUpstream : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _queries;

    public HostileUpstream()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(ServeAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Queries received so far.</summary>
    public int Queries => Volatile.Read(ref _queries);

    private async Task ServeAsync()
    {
        byte[] buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _queries);
            byte[] answer = Answer(buffer.AsSpan(0, received.ReceivedBytes));
            await _socket.SendToAsync(answer, SocketFlags.None, received.RemoteEndPoint);
        }
    }

    private static byte[] Answer(ReadOnlySpan<byte> query)
    {
        int end = 12;
        while (query[end] != 0)
        {
            end += query[end] + 1;
        }

        end += 5;
        string mode = System.Text.Encoding.ASCII.GetString(query.Slice(13, query[12]));
        var message = new List<byte>(query[..end].ToArray());
        message[2] = 0x81;
        message[3] = 0x80;
        message[10] = 0;
        message[11] = 0;
        ushort answers = 1;
        switch (mode)
        {
            case "loop":
                // The owner name is a label and a pointer back to that label: a loop.
                message.AddRange([1, (byte)'x', 0xC0, (byte)end, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
                break;
            case "count":
                answers = 5;
                message.AddRange(Record(60, [192, 0, 2, 1]));
                break;
            case "rdlength":
                byte[] record = Record(60, [192, 0, 2, 1]);
                record[11] = 200;
                message.AddRange(record);
                break;
            case "shorta":
                message.AddRange(Record(60, [192, 0, 2, 1, 7]));
                break;
            case "hugettl":
                message.AddRange(Record(0x8000_0000, [192, 0, 2, 50]));
                break;
            case "weekttl":
                message.AddRange(Record(604_800, [192, 0, 2, 51]));
                break;
            default:
                message.AddRange(Record(60, [149, 154, 161, 1]));
                break;
        }

        byte[] bytes = [.. message];
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), answers);
        return bytes;
    }

    /// <summary>An A record owned by the question name (pointer to offset 12).</summary>
    private static byte[] Record(uint ttl, byte[] data)
    {
        byte[] record = new byte[12 + data.Length];
        record[0] = 0xC0;
        record[1] = 12;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(2), DnsConstants.TypeA);
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(4), DnsConstants.ClassIn);
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(6), ttl);
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(10), (ushort)data.Length);
        data.CopyTo(record, 12);
        return record;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }
}

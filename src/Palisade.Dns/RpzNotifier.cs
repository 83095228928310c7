using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>NOTIFY (RFC 1996) for the zone to its secondaries when a new serial is in place.</summary>
internal sealed partial class RpzNotifier(string zone, IList<IPEndPoint> targets, ILogger logger)
{
    /// <summary>Tries per target; the wait doubles from one second after each.</summary>
    private const int Attempts = 5;

    /// <summary>Sends NOTIFY for the zone to every target over UDP, retrying until each answers (RFC 1996 §3.6).</summary>
    /// <param name="serial">The new serial.</param>
    /// <param name="key">Signs each NOTIFY when set (RFC 8945), so a secondary that has the key can insist on it.</param>
    /// <param name="time">The clock the signatures carry.</param>
    public async Task NotifyAsync(uint serial, TsigKey? key = null, TimeProvider? time = null)
    {
        byte[] message = new byte[DnsConstants.HeaderLength + DnsName.WireLength(zone) + 4 + TsigKey.MaxRecordLength];
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)Random.Shared.Next(65536));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(DnsConstants.FlagsOffset), (DnsConstants.OpcodeNotify << 11) | DnsConstants.FlagAa);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(DnsConstants.QuestionCountOffset), 1);
        int position = DnsConstants.HeaderLength + DnsName.Write(zone, message.AsSpan(DnsConstants.HeaderLength));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(position), DnsConstants.TypeSoa);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(position + 2), DnsConstants.ClassIn);
        int length = position + 4;
        if (key is not null)
        {
            length = key.Sign(message, length, default, first: true, (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds(),
                BinaryPrimitives.ReadUInt16BigEndian(message), 0, new byte[TsigKey.MacLength]);
        }

        message = message[..length];
        foreach (IPEndPoint target in targets)
        {
            using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(target);
            byte[] answer = new byte[512];
            for (int attempt = 0; attempt < Attempts; attempt++)
            {
                try
                {
                    await socket.SendAsync(message, SocketFlags.None).ConfigureAwait(false);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1 << attempt));
                    int received = await socket.ReceiveAsync(answer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    if (received >= 2 && answer[0] == message[0] && answer[1] == message[1])
                    {
                        LogNotified(logger, target, zone, serial);
                        break;
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException)
                {
                }
            }
        }
    }

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "NOTIFY for {Zone} serial {Serial} acknowledged by {Target}")]
    private static partial void LogNotified(ILogger logger, IPEndPoint target, string zone, uint serial);
}

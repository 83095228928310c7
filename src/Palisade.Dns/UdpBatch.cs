using System.Net.Sockets;
using System.Runtime.InteropServices;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>
/// Many UDP datagrams per system call on Linux: <c>recvmmsg</c> takes up to <see cref="Capacity"/> queries at once,
/// <c>sendmmsg</c> sends the answers together, and <c>poll</c> waits when there is nothing to read. One instance per
/// socket, used by the one thread that serves it; the socket stays non-blocking, so the runtime's own sends on it (the
/// answers of forwarded queries) work beside it. The only type in Palisade with pointers (STYLE.md): one system call
/// per datagram in each direction was most of a query's cost (docs/benchmarks.md, "DNS per core").
/// </summary>
internal sealed unsafe partial class UdpBatch : IDisposable
{
    /// <summary>Datagrams taken or sent per system call.</summary>
    public const int Capacity = 32;

    /// <summary>The longest query read whole; a longer datagram is counted as malformed and dropped (a DNS query over
    /// UDP is a few hundred bytes at most).</summary>
    public const int MaxQueryLength = 4096;

    /// <summary>Room for any socket address (<c>sockaddr_storage</c>).</summary>
    private const int AddressSpace = 128;

    /// <summary>How long one wait for a datagram lasts before the loop looks at its stop signal.</summary>
    public const int PollMilliseconds = 200;

    /// <summary>How many times one batch of answers waits for room in the send buffer before it drops what is left.</summary>
    private const int MaxSendWaits = 5;

    private const int MsgDontWait = 0x40;
    private const int MsgTrunc = 0x20;
    private const short PollIn = 0x1;
    private const short PollOut = 0x4;
    private const int ErrorInterrupted = 4;
    private const int ErrorAgain = 11;

    private readonly Socket _socket;
    private readonly MultipleMessageHeader* _received;
    private readonly MultipleMessageHeader* _replies;
    private readonly IoVector* _receiveVectors;
    private readonly IoVector* _replyVectors;
    private readonly byte* _addresses;
    private readonly byte[] _queries;
    private readonly byte* _queryBase;
    private int _replyCount;
    private bool _disposed;

    /// <summary>Prepares the buffers for <paramref name="socket"/> and makes it non-blocking.</summary>
    public UdpBatch(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        socket.Blocking = false;
        _received = (MultipleMessageHeader*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(MultipleMessageHeader)));
        _replies = (MultipleMessageHeader*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(MultipleMessageHeader)));
        _receiveVectors = (IoVector*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(IoVector)));
        _replyVectors = (IoVector*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(IoVector)));
        _addresses = (byte*)NativeMemory.AllocZeroed(Capacity * AddressSpace);
        _queries = GC.AllocateArray<byte>(Capacity * MaxQueryLength, pinned: true);
        _queryBase = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_queries, 0);
        Answers = new byte[Capacity][];
        for (int i = 0; i < Capacity; i++)
        {
            Answers[i] = GC.AllocateArray<byte>(DnsConstants.MaxMessageLength, pinned: true);
        }
    }

    /// <summary>One answer buffer per slot, pinned (a slot's answer is written here and queued with
    /// <see cref="QueueAnswer"/>).</summary>
    public byte[][] Answers { get; }

    /// <summary>Waits up to <see cref="PollMilliseconds"/> for datagrams and takes as many as are there, up to
    /// <see cref="Capacity"/>; 0 when none came.</summary>
    /// <exception cref="ObjectDisposedException">The socket was closed.</exception>
    public int Receive()
    {
        for (int i = 0; i < Capacity; i++)
        {
            _receiveVectors[i] = new IoVector(_queryBase + (i * MaxQueryLength), MaxQueryLength);
            _received[i] = new MultipleMessageHeader(_addresses + (i * AddressSpace), AddressSpace, _receiveVectors + i);
        }

        bool added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)_socket.SafeHandle.DangerousGetHandle();
            int count = ReceiveMany(fd, _received, Capacity, MsgDontWait, null);
            if (count >= 0)
            {
                return count;
            }

            int error = Marshal.GetLastPInvokeError();
            if (error != ErrorAgain && error != ErrorInterrupted)
            {
                // An ICMP error for an earlier answer (ECONNREFUSED) is reported on the next read: keep serving.
                return 0;
            }

            // Nothing there: wait, then take what came. One wait per call, so that the caller looks at its stop signal
            // and the socket can be closed (closing it makes the wait end at once).
            var wait = new PollDescriptor { Descriptor = fd, Events = PollIn };
            if (Poll(&wait, 1, PollMilliseconds) <= 0 || (wait.Returned & PollIn) == 0)
            {
                return 0;
            }

            return Math.Max(ReceiveMany(fd, _received, Capacity, MsgDontWait, null), 0);
        }
        finally
        {
            if (added)
            {
                _socket.SafeHandle.DangerousRelease();
            }
        }
    }

    /// <summary>The query in slot <paramref name="slot"/>; empty when it was longer than <see cref="MaxQueryLength"/>.</summary>
    public ReadOnlySpan<byte> Query(int slot) =>
        (_received[slot].Header.Flags & MsgTrunc) != 0 ? [] : new ReadOnlySpan<byte>(_queries, slot * MaxQueryLength, (int)Math.Min(_received[slot].Length, MaxQueryLength));

    /// <summary>The sender's socket address of slot <paramref name="slot"/>, in the system's layout.</summary>
    public ReadOnlySpan<byte> Sender(int slot) => new(_addresses + (slot * AddressSpace), (int)_received[slot].Header.NameLength);

    /// <summary>Queues <c>Answers[slot][..length]</c> to the sender of slot <paramref name="slot"/>.</summary>
    public void QueueAnswer(int slot, int length)
    {
        fixed (byte* answer = Answers[slot])
        {
            // The arrays are pinned: the address stays valid after the fixed block.
            _replyVectors[_replyCount] = new IoVector(answer, length);
        }

        _replies[_replyCount] = new MultipleMessageHeader(_addresses + (slot * AddressSpace), _received[slot].Header.NameLength, _replyVectors + _replyCount);
        _replyCount++;
    }

    /// <summary>Sends every queued answer (an answer the system refuses is skipped) and empties the queue.</summary>
    public void SendQueued()
    {
        bool added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)_socket.SafeHandle.DangerousGetHandle();
            int sent = 0;
            int waits = 0;
            while (sent < _replyCount)
            {
                int count = SendMany(fd, _replies + sent, (uint)(_replyCount - sent), 0);
                if (count > 0)
                {
                    sent += count;
                    continue;
                }

                int error = Marshal.GetLastPInvokeError();
                if (error == ErrorInterrupted)
                {
                    continue;
                }

                if (error == ErrorAgain && waits++ < MaxSendWaits)
                {
                    // The send buffer is full: wait for room rather than drop answers.
                    var wait = new PollDescriptor { Descriptor = fd, Events = PollOut };
                    Poll(&wait, 1, PollMilliseconds);
                    continue;
                }

                // This answer cannot be sent (its address is refused, or the socket is closing): skip it.
                sent++;
            }
        }
        finally
        {
            _replyCount = 0;
            if (added)
            {
                _socket.SafeHandle.DangerousRelease();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        NativeMemory.Free(_received);
        NativeMemory.Free(_replies);
        NativeMemory.Free(_receiveVectors);
        NativeMemory.Free(_replyVectors);
        NativeMemory.Free(_addresses);
    }

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static partial int ReceiveMany(int fd, MultipleMessageHeader* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    private static partial int SendMany(int fd, MultipleMessageHeader* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollDescriptor* descriptors, nuint count, int timeout);

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct IoVector(byte* start, int length)
    {
        public readonly byte* Start = start;
        public readonly nuint Length = (nuint)length;
    }

    /// <summary><c>struct msghdr</c> (LP64 layout: Linux on x86-64 and arm64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c>: a message and the bytes received or sent.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MultipleMessageHeader
    {
        public MessageHeader Header;
        public uint Length;

        public MultipleMessageHeader(byte* address, uint addressLength, IoVector* vector)
        {
            Header = new MessageHeader { Name = address, NameLength = addressLength, Vectors = vector, VectorCount = 1 };
            Length = 0;
        }
    }

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short Returned;
    }
}

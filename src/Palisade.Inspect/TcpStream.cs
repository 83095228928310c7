namespace Palisade.Inspect;

/// <summary>
/// One direction of a TCP connection, reassembled only as far as a ClientHello, an HTTP request head or a DNS message
/// needs: bytes in sequence order (retransmissions dropped, overlaps trimmed, segments that arrive early held until the
/// gap is filled), at most <see cref="NameExtractor.MaxStreamBytes"/> waiting to be read.
/// </summary>
internal sealed class TcpStream
{
    public enum Content
    {
        Unknown,
        Tls,
        Http,
        Dns,
        Done,
    }

    private byte[] _buffer = [];
    private List<(uint Sequence, byte[] Data)>? _early;

    public Content Mode { get; set; }

    public bool Started { get; private set; }

    public uint NextSequence { get; private set; }

    /// <summary>Bytes in order, not yet consumed by the parser.</summary>
    public ReadOnlySpan<byte> Pending => _buffer.AsSpan(0, Length);

    public int Length { get; private set; }

    /// <summary>Bytes of another protocol seen so far (see <see cref="NameExtractor.MaxUnrecognizedBytes"/>).</summary>
    public int Unrecognized { get; set; }

    /// <summary>Bytes to drop as they arrive before reading again (an HTTP body).</summary>
    public long Skip { get; set; }

    /// <summary>TLS: the handshake bytes gathered from records so far.</summary>
    public List<byte>? Handshake { get; set; }

    public void Synchronize(uint sequence)
    {
        if (!Started)
        {
            Started = true;
            NextSequence = sequence + 1;
        }
    }

    /// <summary>Adds a segment; false when the stream would hold more than the bound (it is then done).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool Add(uint sequence, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return true;
        }

        if (!Started)
        {
            Started = true;
            NextSequence = sequence;
        }

        int ahead = (int)(sequence - NextSequence);
        if (ahead > 0)
        {
            if (ahead > NameExtractor.MaxStreamBytes || (_early ??= []).Count >= NameExtractor.MaxEarlySegments)
            {
                return false;
            }

            _early.Add((sequence, data.ToArray()));
            return true;
        }

        if (-ahead >= data.Length)
        {
            return true; // A retransmission of what is already read.
        }

        if (!Append(data[-ahead..]))
        {
            return false;
        }

        // Segments that were early may now follow on.
        while (_early is { Count: > 0 })
        {
            int index = _early.FindIndex(e => (int)(e.Sequence - NextSequence) <= 0);
            if (index < 0)
            {
                break;
            }

            (uint earlySequence, byte[] earlyData) = _early[index];
            _early.RemoveAt(index);
            int overlap = (int)(NextSequence - earlySequence);
            if (overlap < earlyData.Length && !Append(earlyData.AsSpan(overlap)))
            {
                return false;
            }
        }

        return true;
    }

    public void Consume(int count)
    {
        Buffer.BlockCopy(_buffer, count, _buffer, 0, Length - count);
        Length -= count;
    }

    public void Release()
    {
        _buffer = [];
        _early = null;
        Handshake = null;
        Length = 0;
        Mode = Content.Done;
    }

    private bool Append(ReadOnlySpan<byte> data)
    {
        NextSequence += (uint)data.Length;
        if (Skip > 0)
        {
            int dropped = (int)Math.Min(Skip, data.Length);
            Skip -= dropped;
            data = data[dropped..];
        }

        if (Length + data.Length > NameExtractor.MaxStreamBytes)
        {
            return false;
        }

        if (_buffer.Length < Length + data.Length)
        {
            Array.Resize(ref _buffer, Math.Min(NameExtractor.MaxStreamBytes, Math.Max(Length + data.Length, _buffer.Length * 2)));
        }

        data.CopyTo(_buffer.AsSpan(Length));
        Length += data.Length;
        return true;
    }
}

namespace Palisade.Inspect;

/// <summary>A QUIC connection's client side: the Initial keys from its first Destination Connection ID, and the CRYPTO
/// stream gathered until the ClientHello is whole (at most <see cref="NameExtractor.MaxStreamBytes"/>).</summary>
internal sealed class QuicFlow(QuicInitial keys) : IDisposable
{
    private readonly byte[] _crypto = new byte[NameExtractor.MaxStreamBytes];
    private readonly List<(int Start, int End)> _ranges = [];

    public QuicInitial Keys { get; set; } = keys;

    public bool Done { get; set; }

    /// <summary>Adds a CRYPTO frame's data at its offset (beyond the bound, it is dropped).</summary>
    public void Add(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset >= (ulong)_crypto.Length)
        {
            return;
        }

        int start = (int)offset, end = (int)Math.Min((ulong)_crypto.Length, offset + (ulong)data.Length);
        data[..(end - start)].CopyTo(_crypto.AsSpan(start));
        _ranges.Add((start, end));
    }

    /// <summary>The bytes from offset 0 that have all arrived.</summary>
    public ReadOnlySpan<byte> Contiguous()
    {
        int end = 0;
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach ((int start, int stop) in _ranges)
            {
                if (start <= end && stop > end)
                {
                    end = stop;
                    grew = true;
                }
            }
        }

        return _crypto.AsSpan(0, end);
    }

    public void Dispose() => Keys.Dispose();
}

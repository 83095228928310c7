using System.Buffers.Binary;

namespace Palisade.Inspect;

/// <summary>
/// Reads pcap (either byte order, micro- or nanosecond timestamps) and pcapng (section header, interface description,
/// enhanced, simple and obsolete packet blocks; several sections and interfaces, each with its own link type) from a
/// stream, one frame at a time, in memory bounded by <see cref="MaxBlockLength"/>. A file that is not a capture, or a
/// damaged block, raises <see cref="CaptureFormatException"/> naming the offset and what was expected.
/// </summary>
public sealed class CaptureReader
{
    /// <summary>Largest block (pcapng) or record (pcap) read; larger ones are refused as damaged.</summary>
    public const int MaxBlockLength = 1 << 20;

    /// <summary>Most interfaces one pcapng section may describe.</summary>
    public const int MaxInterfaces = 1024;

    private const uint PcapMicro = 0xA1B2C3D4, PcapNano = 0xA1B23C4D, SectionHeader = 0x0A0D0D0A, ByteOrderMagic = 0x1A2B3C4D;

    private readonly Stream _stream;
    private readonly bool _pcapng;
    private readonly List<(int LinkType, long TicksPerUnit)> _interfaces = [];
    private byte[] _buffer = new byte[64 * 1024];
    private bool _bigEndian;
    private bool _nanoseconds;
    private int _pcapLinkType;
    private long _offset;
    private long _frames;

    private CaptureReader(Stream stream, bool pcapng)
    {
        _stream = stream;
        _pcapng = pcapng;
    }

    /// <summary>Frames read so far.</summary>
    public long Frames => _frames;

    /// <summary>Opens a capture, reading its file header (pcap) or first section header (pcapng).</summary>
    /// <exception cref="CaptureFormatException">It is neither.</exception>
    public static CaptureReader Open(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> magic = stackalloc byte[4];
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
        {
            throw new CaptureFormatException(0, "a pcap or pcapng magic number (the file is shorter than 4 bytes)");
        }

        uint little = BinaryPrimitives.ReadUInt32LittleEndian(magic), big = BinaryPrimitives.ReadUInt32BigEndian(magic);
        if (little == SectionHeader)
        {
            var reader = new CaptureReader(stream, pcapng: true) { _offset = 4 };
            reader.ReadSectionHeader(0, null);
            return reader;
        }

        var pcap = new CaptureReader(stream, pcapng: false) { _offset = 4 };
        if (little is PcapMicro or PcapNano)
        {
            pcap._nanoseconds = little == PcapNano;
        }
        else if (big is PcapMicro or PcapNano)
        {
            pcap._bigEndian = true;
            pcap._nanoseconds = big == PcapNano;
        }
        else
        {
            throw new CaptureFormatException(0, $"a pcap (a1b2c3d4, a1b23c4d) or pcapng (0a0d0d0a) magic number, not {Convert.ToHexStringLower(magic)}");
        }

        Span<byte> header = stackalloc byte[20];
        pcap.Fill(header, "the rest of the 24-byte pcap file header");
        pcap._pcapLinkType = (int)(pcap.U32(header[16..]) & 0x0FFFFFFF);
        return pcap;
    }

    /// <summary>Reads the next frame; false at the end of the file.</summary>
    /// <exception cref="CaptureFormatException">The next record or block is damaged or truncated.</exception>
    public bool TryRead(out CaptureFrame frame) => _pcapng ? TryReadBlock(out frame) : TryReadRecord(out frame);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool TryReadRecord(out CaptureFrame frame)
    {
        Span<byte> header = stackalloc byte[16];
        int got = _stream.ReadAtLeast(header, 16, throwOnEndOfStream: false);
        if (got == 0)
        {
            frame = default;
            return false;
        }

        if (got < 16)
        {
            throw new CaptureFormatException(_offset, $"a 16-byte record header (the file ends after {got} bytes of it)");
        }

        long start = _offset;
        _offset += 16;
        uint seconds = U32(header), fraction = U32(header[4..]);
        int captured = (int)Math.Min(U32(header[8..]), int.MaxValue);
        if (captured > MaxBlockLength)
        {
            throw new CaptureFormatException(start + 8, $"a captured length of at most {MaxBlockLength} bytes, not {U32(header[8..])}");
        }

        Memory<byte> data = Buffer(captured);
        if (!TryFill(data.Span, out int partial))
        {
            throw new CaptureFormatException(_offset + partial, $"the {captured} captured bytes of frame {_frames + 1} (the file ends {captured - partial} bytes short)");
        }

        long ticks = (seconds * TimeSpan.TicksPerSecond) + (_nanoseconds ? fraction / 100 : fraction * 10L);
        frame = new CaptureFrame(++_frames, _pcapLinkType, ticks, data);
        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool TryReadBlock(out CaptureFrame frame)
    {
        Span<byte> head = stackalloc byte[8];
        while (true)
        {
            int got = _stream.ReadAtLeast(head, 8, throwOnEndOfStream: false);
            if (got == 0)
            {
                frame = default;
                return false;
            }

            if (got < 8)
            {
                throw new CaptureFormatException(_offset, $"an 8-byte block header (the file ends after {got} bytes of it)");
            }

            long start = _offset;
            _offset += 8;
            uint type = U32(head);
            if (type == SectionHeader)
            {
                // A new section: its byte-order magic decides how its blocks are read (and its length's byte order).
                ReadSectionHeader(start, head[4..].ToArray());
                continue;
            }

            uint length = U32(head[4..]);
            if (length < 12 || length % 4 != 0 || length > MaxBlockLength)
            {
                throw new CaptureFormatException(start + 4, $"a block length that is a multiple of 4 from 12 to {MaxBlockLength}, not {length}");
            }

            Memory<byte> body = Buffer((int)length - 8);
            if (!TryFill(body.Span, out int got2))
            {
                throw new CaptureFormatException(_offset + got2, $"the {length}-byte block of type 0x{type:x} (the file ends {length - 8 - got2} bytes short)");
            }

            Span<byte> span = body.Span;
            if (U32(span[^4..]) != length)
            {
                throw new CaptureFormatException(_offset - 4, $"the block's length {length} repeated at its end, not {U32(span[^4..])}");
            }

            span = span[..^4];
            switch (type)
            {
                case 1:
                    // Interface description: link type (2), reserved (2), snap length (4), options (if_tsresol).
                    if (span.Length < 8)
                    {
                        throw new CaptureFormatException(start, "an interface description block of at least 20 bytes");
                    }

                    if (_interfaces.Count == MaxInterfaces)
                    {
                        throw new CaptureFormatException(start, $"at most {MaxInterfaces} interfaces in a section");
                    }

                    _interfaces.Add((U16(span), TicksPerUnit(span[8..])));
                    break;
                case 6:
                    // Enhanced packet: interface (4), timestamp high and low (8), captured (4), original (4), data.
                    if (span.Length < 20)
                    {
                        throw new CaptureFormatException(start, "an enhanced packet block of at least 32 bytes");
                    }

                    uint captured = U32(span[12..]);
                    if (captured > span.Length - 20)
                    {
                        throw new CaptureFormatException(start + 20, $"a captured length within the block ({span.Length - 20} bytes), not {captured}");
                    }

                    (int link, long perUnit) = Interface(U32(span), start);
                    long units = (long)(((ulong)U32(span[4..]) << 32) | U32(span[8..]));
                    frame = new CaptureFrame(++_frames, link, perUnit <= 0 ? units / -perUnit : units * perUnit, body.Slice(20, (int)captured));
                    return true;
                case 3:
                    // Simple packet: original length (4), data (as much as the block holds), interface 0.
                    if (span.Length < 4)
                    {
                        throw new CaptureFormatException(start, "a simple packet block of at least 16 bytes");
                    }

                    (int simpleLink, _) = Interface(0, start);
                    int simpleLength = (int)Math.Min(U32(span), (uint)(span.Length - 4));
                    frame = new CaptureFrame(++_frames, simpleLink, 0, body.Slice(4, simpleLength));
                    return true;
                case 2:
                    // Obsolete packet block: interface (2), drops (2), timestamp (8), captured (4), original (4), data.
                    if (span.Length < 20)
                    {
                        throw new CaptureFormatException(start, "a packet block of at least 32 bytes");
                    }

                    uint obsoleteCaptured = U32(span[12..]);
                    if (obsoleteCaptured > span.Length - 20)
                    {
                        throw new CaptureFormatException(start + 20, $"a captured length within the block ({span.Length - 20} bytes), not {obsoleteCaptured}");
                    }

                    (int obsoleteLink, _) = Interface(U16(span), start);
                    frame = new CaptureFrame(++_frames, obsoleteLink, 0, body.Slice(20, (int)obsoleteCaptured));
                    return true;
                default:
                    // Name resolution, statistics, custom and other blocks carry no frames.
                    break;
            }
        }
    }

    /// <summary>Reads a section header after its type (and, in a later section, its length bytes already read).</summary>
    private void ReadSectionHeader(long start, byte[]? lengthBytes)
    {
        Span<byte> fixedPart = stackalloc byte[8];
        if (lengthBytes is null)
        {
            Fill(fixedPart, "a section header's length and byte-order magic");
        }
        else
        {
            lengthBytes.CopyTo(fixedPart);
            Fill(fixedPart[4..], "a section header's byte-order magic");
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart[4..]);
        _bigEndian = magic switch
        {
            ByteOrderMagic => false,
            0x4D3C2B1A => true,
            _ => throw new CaptureFormatException(start + 8, $"the byte-order magic 1a2b3c4d, not {Convert.ToHexStringLower(fixedPart[4..])}"),
        };
        uint length = U32(fixedPart);
        if (length < 28 || length % 4 != 0 || length > MaxBlockLength)
        {
            throw new CaptureFormatException(start + 4, $"a section header length that is a multiple of 4 from 28 to {MaxBlockLength}, not {length}");
        }

        Memory<byte> rest = Buffer((int)length - 12);
        Fill(rest.Span, "the rest of the section header block");
        _interfaces.Clear();
    }

    private (int LinkType, long TicksPerUnit) Interface(uint index, long offset) =>
        index < _interfaces.Count ? _interfaces[(int)index] : throw new CaptureFormatException(offset + 8, $"an interface described before its packets (interface {index} of {_interfaces.Count})");

    /// <summary>The if_tsresol option (code 9): ticks per timestamp unit (negative: units per tick). Default microseconds.</summary>
    private long TicksPerUnit(ReadOnlySpan<byte> options)
    {
        while (options.Length >= 4)
        {
            int code = U16(options), length = U16(options[2..]);
            if (code == 0 || 4 + length > options.Length)
            {
                break;
            }

            if (code == 9 && length >= 1)
            {
                byte resolution = options[4];
                int exponent = resolution & 0x7F;
                double unitsPerSecond = (resolution & 0x80) != 0 ? Math.Pow(2, exponent) : Math.Pow(10, exponent);
                double ticks = TimeSpan.TicksPerSecond / unitsPerSecond;
                return ticks >= 1 ? (long)ticks : -(long)Math.Round(1 / ticks);
            }

            options = options[Math.Min(options.Length, 4 + ((length + 3) & ~3))..];
        }

        return 10;
    }

    private Memory<byte> Buffer(int length)
    {
        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }

        return _buffer.AsMemory(0, length);
    }

    private void Fill(Span<byte> destination, string what)
    {
        if (!TryFill(destination, out int got))
        {
            throw new CaptureFormatException(_offset + got, $"{what} (the file ends {destination.Length - got} bytes short)");
        }
    }

    /// <summary>Reads exactly the destination's length; false (with what was read) at the end of the file.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool TryFill(Span<byte> destination, out int got)
    {
        got = _stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (got < destination.Length)
        {
            return false;
        }

        _offset += destination.Length;
        return true;
    }

    private uint U32(ReadOnlySpan<byte> bytes) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private ushort U16(ReadOnlySpan<byte> bytes) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);
}

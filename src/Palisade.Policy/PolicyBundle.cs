using System.Security.Cryptography;
using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// Registry version <see cref="Version"/> as one file: the registry (log origin), the log prefix it covers (size, root
/// hash, the time of its last event) and every entry in canonical order. Its bytes are a pure function of the log
/// prefix, so anyone can rebuild them and compare hashes.
/// </summary>
public sealed class PolicyBundle
{
    /// <summary>The first line of every bundle.</summary>
    public const string Magic = "palisade-bundle 1";

    private static ReadOnlySpan<byte> NoPrefix => [];

    /// <summary>Creates a bundle.</summary>
    public PolicyBundle(string registry, ulong version, ulong logSize, byte[] logRoot, long logTimeMs, BundleEntry[] entries)
    {
        ArgumentNullException.ThrowIfNull(logRoot);
        Registry = registry;
        Version = version;
        LogSize = logSize;
        LogRoot = logRoot;
        LogTimeMs = logTimeMs;
        Entries = entries;
    }

    /// <summary>The registry's log origin.</summary>
    public string Registry { get; }

    /// <summary>The registry version.</summary>
    public ulong Version { get; }

    /// <summary>How many log entries the version covers.</summary>
    public ulong LogSize { get; }

    /// <summary>The Merkle root of those entries.</summary>
    public byte[] LogRoot { get; }

    /// <summary>The time of the last log event covered (Unix milliseconds) — never the wall clock.</summary>
    public long LogTimeMs { get; }

    /// <summary>The entries in canonical order.</summary>
    public BundleEntry[] Entries { get; }

    /// <summary>Writes the bundle's bytes.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        BundleText.WriteHeader(stream, "palisade-bundle", "1");
        BundleText.WriteHeader(stream, "registry", Registry);
        BundleText.WriteHeader(stream, "version", Version);
        BundleText.WriteLogPrefix(stream, LogSize, LogRoot, LogTimeMs);
        BundleText.WriteHeader(stream, "entries", (ulong)Entries.Length);
        stream.WriteByte((byte)'\n');
        BundleText.WriteEntries(stream, Entries, NoPrefix);
    }

    /// <summary>The bundle's bytes.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>SHA-256 of the bundle's bytes.</summary>
    public byte[] ComputeHash()
    {
        using var hashing = new HashingStream();
        WriteTo(hashing);
        return hashing.GetHash();
    }

    /// <summary>Parses a bundle, checking that it is in canonical form (sorted, counted, nothing after the last entry).</summary>
    /// <exception cref="FormatException">The text is not a bundle; the message names the line.</exception>
    public static PolicyBundle Parse(ReadOnlySpan<byte> bytes)
    {
        var reader = new BundleText.Reader(bytes);
        if (reader.ReadHeader("palisade-bundle") != "1")
        {
            throw reader.Error("not a version 1 bundle");
        }

        string registry = reader.ReadHeader("registry");
        ulong version = reader.ReadNumber("version");
        (ulong logSize, byte[] logRoot, long logTime) = reader.ReadLogPrefix();
        int count = (int)reader.ReadNumber("entries", BundleText.MaxEntries);
        reader.ReadBlank();
        BundleEntry[] entries = ReadSorted(ref reader, count, NoPrefix);
        if (!reader.AtEnd)
        {
            throw reader.Error($"there is more after the {count} entries the header announces");
        }

        return new PolicyBundle(registry, version, logSize, logRoot, logTime, entries);
    }

    internal static BundleEntry[] ReadSorted(ref BundleText.Reader reader, int count, ReadOnlySpan<byte> prefix)
    {
        var entries = new BundleEntry[count];
        for (int i = 0; i < count; i++)
        {
            entries[i] = reader.ReadEntry(prefix);
            if (i > 0 && BundleEntry.Compare(entries[i - 1], entries[i]) >= 0)
            {
                throw reader.Error("entries are not in canonical order (or one is repeated)");
            }
        }

        return entries;
    }

    /// <summary>A write-only stream that hashes what is written to it.</summary>
    internal sealed class HashingStream : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] GetHash() => _hash.GetHashAndReset();

        public override void Write(ReadOnlySpan<byte> buffer) => _hash.AppendData(buffer);

        public override void Write(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);

        public override void WriteByte(byte value) => _hash.AppendData([value]);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

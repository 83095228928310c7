
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// Every complete-subtree hash of a log held in memory, one contiguous array per level (64 bytes per entry in all).
/// Appending a leaf hash completes the subtrees it closes. Not thread-safe: the log's single writer owns it, and
/// readers take the lock the writer publishes through.
/// </summary>
public sealed class MerkleNodeStore : IMerkleNodeSource
{
    private readonly List<HashLevel> _levels = [new HashLevel()];

    /// <inheritdoc />
    public ulong Size => _levels[0].Count;

    /// <summary>Appends the hash of the next entry and hashes every subtree it completes.</summary>
    public void Append(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException($"a leaf hash has {MerkleHash.Size} bytes", nameof(leafHash));
        }

        _levels[0].Add(leafHash);
        Span<byte> parent = stackalloc byte[MerkleHash.Size];
        for (int level = 0; ; level++)
        {
            HashLevel current = _levels[level];
            if ((current.Count & 1) != 0)
            {
                return;
            }

            MerkleHash.Children(current.Get(current.Count - 2), current.Get(current.Count - 1), parent);
            if (_levels.Count == level + 1)
            {
                _levels.Add(new HashLevel());
            }

            _levels[level + 1].Add(parent);
        }
    }

    /// <summary>Drops every entry from <paramref name="size"/> on, with the nodes that cover them (an append that did not
    /// become durable is undone this way).</summary>
    public void Truncate(ulong size)
    {
        if (size > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"the log has only {Size} entries");
        }

        for (int level = 0; level < _levels.Count; level++)
        {
            _levels[level].Truncate(size >> level);
        }
    }

    /// <inheritdoc />
    public void CopyNode(int level, ulong index, Span<byte> destination)
    {
        if (level >= _levels.Count || index >= _levels[level].Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"the subtree at level {level}, index {index} is not complete in a log of {Size} entries");
        }

        _levels[level].Get(index).CopyTo(destination);
    }

    /// <summary>The hash of a complete subtree.</summary>
    public ReadOnlySpan<byte> GetNode(int level, ulong index)
    {
        if (level >= _levels.Count || index >= _levels[level].Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"the subtree at level {level}, index {index} is not complete in a log of {Size} entries");
        }

        return _levels[level].Get(index);
    }

    /// <summary>The number of complete subtrees at <paramref name="level"/>.</summary>
    public ulong CountAt(int level) => level < _levels.Count ? _levels[level].Count : 0;

    private sealed class HashLevel
    {
        private byte[] _hashes = new byte[MerkleHash.Size * 16];

        public ulong Count { get; private set; }

        public void Add(ReadOnlySpan<byte> hash)
        {
            ulong offset = Count * MerkleHash.Size;
            if (offset + MerkleHash.Size > (ulong)_hashes.Length)
            {
                ulong grown = Math.Max((ulong)_hashes.Length * 2, offset + MerkleHash.Size);
                if (grown > (ulong)Array.MaxLength)
                {
                    throw new InvalidOperationException("the log is too large to hold in memory");
                }

                Array.Resize(ref _hashes, (int)grown);
            }

            hash.CopyTo(_hashes.AsSpan((int)offset, MerkleHash.Size));
            Count++;
        }

        public ReadOnlySpan<byte> Get(ulong index) => _hashes.AsSpan((int)(index * MerkleHash.Size), MerkleHash.Size);

        public void Truncate(ulong count) => Count = Math.Min(Count, count);
    }
}

using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// Hashes of complete subtrees of a log: the node at <c>level</c> and <c>index</c> is the Merkle tree hash of entries
/// <c>[index · 2^level, (index + 1) · 2^level)</c>. Once the log has those entries the node never changes.
/// </summary>
public interface IMerkleNodeSource
{
    /// <summary>The number of entries in the log.</summary>
    ulong Size { get; }

    /// <summary>Copies the hash of a complete subtree into <paramref name="destination"/> (32 bytes).</summary>
    void CopyNode(int level, ulong index, Span<byte> destination);
}

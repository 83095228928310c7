using System.Numerics;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// Builds roots, inclusion proofs (RFC 9162 §2.1.3.1) and consistency proofs (§2.1.4.1) for any tree size up to the
/// size of a log, from its complete-subtree hashes.
/// </summary>
public static class MerkleProofBuilder
{
    /// <summary>The root hash of the first <paramref name="size"/> entries.</summary>
    public static byte[] Root(IMerkleNodeSource nodes, ulong size)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        CheckSize(nodes, size);
        return size == 0 ? MerkleHash.EmptyRoot.ToArray() : SubtreeRoot(nodes, 0, size);
    }

    /// <summary>The inclusion proof of entry <paramref name="index"/> in the tree of <paramref name="size"/> entries,
    /// from the leaf's sibling upwards.</summary>
    public static List<byte[]> InclusionProof(IMerkleNodeSource nodes, ulong index, ulong size)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        CheckSize(nodes, size);
        if (index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"entry {index} is not in a tree of size {size}");
        }

        var proof = new List<byte[]>();
        Path(nodes, index, 0, size, proof);
        return proof;
    }

    /// <summary>The consistency proof from the tree of <paramref name="size1"/> entries to the tree of
    /// <paramref name="size2"/> entries (empty when the sizes are equal).</summary>
    public static List<byte[]> ConsistencyProof(IMerkleNodeSource nodes, ulong size1, ulong size2)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        CheckSize(nodes, size2);
        if (size1 == 0 || size1 > size2)
        {
            throw new ArgumentOutOfRangeException(nameof(size1), $"a consistency proof needs 0 < size1 <= size2, not {size1} and {size2}");
        }

        var proof = new List<byte[]>();
        if (size1 < size2)
        {
            Subproof(nodes, size1, 0, size2, true, proof);
        }

        return proof;
    }

    /// <summary>MTH(D[start:end]) where <paramref name="start"/> is a multiple of the largest power of two below the range
    /// length, as it always is inside RFC 9162's recursions.</summary>
    public static byte[] SubtreeRoot(IMerkleNodeSource nodes, ulong start, ulong end)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ulong n = end - start;
        var hash = new byte[MerkleHash.Size];
        if (BitOperations.IsPow2(n) && start % n == 0)
        {
            int level = BitOperations.Log2(n);
            nodes.CopyNode(level, start >> level, hash);
            return hash;
        }

        ulong k = LargestPowerOfTwoBelow(n);
        MerkleHash.Children(SubtreeRoot(nodes, start, start + k), SubtreeRoot(nodes, start + k, end), hash);
        return hash;
    }

    private static void Path(IMerkleNodeSource nodes, ulong m, ulong start, ulong end, List<byte[]> proof)
    {
        ulong n = end - start;
        if (n == 1)
        {
            return;
        }

        ulong k = LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            Path(nodes, m, start, start + k, proof);
            proof.Add(SubtreeRoot(nodes, start + k, end));
        }
        else
        {
            Path(nodes, m - k, start + k, end, proof);
            proof.Add(SubtreeRoot(nodes, start, start + k));
        }
    }

    private static void Subproof(IMerkleNodeSource nodes, ulong m, ulong start, ulong end, bool isWholeOldTree, List<byte[]> proof)
    {
        ulong n = end - start;
        if (m == n)
        {
            if (!isWholeOldTree)
            {
                proof.Add(SubtreeRoot(nodes, start, end));
            }

            return;
        }

        ulong k = LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            Subproof(nodes, m, start, start + k, isWholeOldTree, proof);
            proof.Add(SubtreeRoot(nodes, start + k, end));
        }
        else
        {
            Subproof(nodes, m - k, start + k, end, false, proof);
            proof.Add(SubtreeRoot(nodes, start, start + k));
        }
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (n ≥ 2).</summary>
    private static ulong LargestPowerOfTwoBelow(ulong n) => 1UL << (63 - BitOperations.LeadingZeroCount(n - 1));

    private static void CheckSize(IMerkleNodeSource nodes, ulong size)
    {
        if (size > nodes.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"the log has only {nodes.Size} entries, not {size}");
        }
    }
}

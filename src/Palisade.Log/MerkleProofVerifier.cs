using System.Numerics;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// Verifies RFC 9162 §2.1.3.2 inclusion proofs and §2.1.4.2 consistency proofs. Proof hashes are ordered from the
/// leaf (or the older tree) upwards, as RFC 9162 and tlog clients produce them.
/// </summary>
public static class MerkleProofVerifier
{
    /// <summary>Checks that the leaf with hash <paramref name="leafHash"/> is entry <paramref name="index"/> of the tree of
    /// <paramref name="size"/> entries whose root is <paramref name="root"/>.</summary>
    /// <exception cref="MerkleProofException">The proof does not verify; the message says why.</exception>
    public static void VerifyInclusion(ulong index, ulong size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        byte[] computed = RootFromInclusionProof(index, size, leafHash, proof);
        if (!root.SequenceEqual(computed))
        {
            throw new MerkleProofException($"the inclusion proof for entry {index} leads to root {Convert.ToBase64String(computed)}, not to the expected root of the tree of size {size}");
        }
    }

    /// <summary>Computes the root hash that an inclusion proof implies for a tree of <paramref name="size"/> entries.</summary>
    /// <exception cref="MerkleProofException">The index, leaf hash or proof length cannot be right.</exception>
    public static byte[] RootFromInclusionProof(ulong index, ulong size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (index >= size)
        {
            throw new MerkleProofException($"entry {index} is not in a tree of size {size}");
        }

        if (leafHash.Length != MerkleHash.Size)
        {
            throw new MerkleProofException($"the leaf hash has {leafHash.Length} bytes, not {MerkleHash.Size}");
        }

        (int inner, int border) = DecomposeInclusionProof(index, size);
        if (proof.Count != inner + border)
        {
            throw new MerkleProofException($"the inclusion proof for entry {index} of a tree of size {size} has {proof.Count} hashes, not {inner + border}");
        }

        byte[] hash = ChainInner(leafHash.ToArray(), proof, 0, inner, index);
        return ChainBorderRight(hash, proof, inner, border);
    }

    /// <summary>Checks that the tree of <paramref name="size1"/> entries with root <paramref name="root1"/> is a prefix of
    /// the tree of <paramref name="size2"/> entries with root <paramref name="root2"/>.</summary>
    /// <exception cref="MerkleProofException">The proof does not verify; the message says why.</exception>
    public static void VerifyConsistency(ulong size1, ulong size2, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size2 < size1)
        {
            throw new MerkleProofException($"the new tree size {size2} is smaller than the old tree size {size1}");
        }

        if (size1 == 0)
        {
            // Every tree extends the empty tree; a proof from size 0 proves nothing and RFC 9162 defines none.
            throw new MerkleProofException("a consistency proof from the empty tree is meaningless");
        }

        if (size1 == size2)
        {
            if (proof.Count != 0)
            {
                throw new MerkleProofException($"both trees have size {size1}, so the proof must be empty, but it has {proof.Count} hashes");
            }

            if (!root1.SequenceEqual(root2))
            {
                throw new MerkleProofException($"both trees have size {size1} but their roots differ");
            }

            return;
        }

        if (proof.Count == 0)
        {
            throw new MerkleProofException($"the consistency proof from size {size1} to {size2} is empty");
        }

        // RFC 9162 §2.1.4.2: the proof is the suffix of the inclusion proof of entry size1-1 in the new tree, preceded
        // by the root of the largest complete subtree ending at size1 unless that subtree is the whole old tree.
        (int inner, int border) = DecomposeInclusionProof(size1 - 1, size2);
        int shift = BitOperations.TrailingZeroCount(size1);
        inner -= shift;

        byte[] seed;
        int start;
        if (size1 == 1UL << shift)
        {
            seed = root1.ToArray();
            start = 0;
        }
        else
        {
            seed = proof[0];
            start = 1;
        }

        if (proof.Count != start + inner + border)
        {
            throw new MerkleProofException($"the consistency proof from size {size1} to {size2} has {proof.Count} hashes, not {start + inner + border}");
        }

        ulong mask = (size1 - 1) >> shift;
        byte[] hash1 = ChainInnerRight(seed, proof, start, inner, mask);
        hash1 = ChainBorderRight(hash1, proof, start + inner, border);
        if (!root1.SequenceEqual(hash1))
        {
            throw new MerkleProofException($"the consistency proof does not lead to the old root of the tree of size {size1}");
        }

        byte[] hash2 = ChainInner(seed, proof, start, inner, mask);
        hash2 = ChainBorderRight(hash2, proof, start + inner, border);
        if (!root2.SequenceEqual(hash2))
        {
            throw new MerkleProofException($"the consistency proof does not lead to the new root of the tree of size {size2}");
        }
    }

    /// <summary>Splits the proof of entry <paramref name="index"/> in a tree of <paramref name="size"/> into the hashes
    /// below the point where its path and the path of the last entry part (inner) and those above (border).</summary>
    private static (int Inner, int Border) DecomposeInclusionProof(ulong index, ulong size)
    {
        int inner = 64 - BitOperations.LeadingZeroCount(index ^ (size - 1));
        int border = BitOperations.PopCount(index >> inner);
        return (inner, border);
    }

    private static byte[] ChainInner(byte[] seed, IReadOnlyList<byte[]> proof, int offset, int count, ulong index)
    {
        for (int i = 0; i < count; i++)
        {
            byte[] sibling = proof[offset + i];
            seed = ((index >> i) & 1) == 0 ? MerkleHash.Children(seed, sibling) : MerkleHash.Children(sibling, seed);
        }

        return seed;
    }

    private static byte[] ChainInnerRight(byte[] seed, IReadOnlyList<byte[]> proof, int offset, int count, ulong index)
    {
        for (int i = 0; i < count; i++)
        {
            if (((index >> i) & 1) == 1)
            {
                seed = MerkleHash.Children(proof[offset + i], seed);
            }
        }

        return seed;
    }

    private static byte[] ChainBorderRight(byte[] seed, IReadOnlyList<byte[]> proof, int offset, int count)
    {
        for (int i = 0; i < count; i++)
        {
            seed = MerkleHash.Children(proof[offset + i], seed);
        }

        return seed;
    }
}

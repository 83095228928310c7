using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Palisade.Log;

namespace Palisade.Benchmarks;

/// <summary>Inclusion and consistency proofs and roots over a log of one million entries, as the registry serves them.</summary>
[MemoryDiagnoser]
public class ProofBenchmarks
{
    private const ulong Size = 1_000_000;
    private readonly MerkleNodeStore _nodes = new();
    private ulong _index;

    [GlobalSetup]
    public void Setup()
    {
        Span<byte> entry = stackalloc byte[16];
        Span<byte> leaf = stackalloc byte[MerkleHash.Size];
        for (ulong i = 0; i < Size; i++)
        {
            RandomNumberGenerator.Fill(entry);
            MerkleHash.Leaf(entry, leaf);
            _nodes.Append(leaf);
        }
    }

    /// <summary>An inclusion proof for a different leaf each call, against the full tree.</summary>
    [Benchmark]
    public int InclusionProof()
    {
        _index = (_index + 7_919) % Size;
        return MerkleProofBuilder.InclusionProof(_nodes, _index, Size).Count;
    }

    /// <summary>A consistency proof from an older tree head (a monitor catching up) to the current one.</summary>
    [Benchmark]
    public int ConsistencyProof()
    {
        _index = (_index + 7_919) % Size;
        return MerkleProofBuilder.ConsistencyProof(_nodes, _index + 1, Size).Count;
    }

    /// <summary>The root of an arbitrary (non-power-of-two) tree size.</summary>
    [Benchmark]
    public byte[] Root() => MerkleProofBuilder.Root(_nodes, Size - 12_345);

    /// <summary>Building the in-memory node store for 1M leaves, as registry startup does after re-hashing the entries.</summary>
    [Benchmark]
    public ulong BuildNodeStore()
    {
        var nodes = new MerkleNodeStore();
        for (ulong i = 0; i < Size; i++)
        {
            nodes.Append(_nodes.GetNode(0, i));
        }

        return nodes.Size;
    }
}

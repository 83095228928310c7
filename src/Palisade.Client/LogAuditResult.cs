using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>What an audit of a tiled log established.</summary>
/// <param name="Checkpoint">The verified checkpoint.</param>
/// <param name="Events">The number of events the entries join into.</param>
/// <param name="PreviousSize">The tree size of the last checkpoint seen before, which the new tree extends (0 if none).</param>
/// <param name="Entries">Every entry of the verified tree, with its index.</param>
/// <param name="Tree">The Merkle tree recomputed from those entries (roots of any prefix).</param>
public sealed record LogAuditResult(Checkpoint Checkpoint, int Events, ulong PreviousSize, IReadOnlyList<(ulong Index, byte[] Entry)> Entries, MerkleNodeStore Tree);

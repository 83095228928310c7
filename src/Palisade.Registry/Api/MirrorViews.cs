namespace Palisade.Registry.Api;

/// <summary>A mirrored foreign log: where it is followed from, its last verified checkpoint, the proof of a fork if it
/// showed two histories, and the orders its entries describe (never enforced here).</summary>
public sealed record MirrorView(string Origin, string Url, string Key, long Size, string? Checkpoint, ForkView? Fork, string? LastError,
    List<MirroredOrderView> Orders);

/// <summary>Two checkpoints of one log, both signed by its key, that cannot both be true.</summary>
public sealed record ForkView(string Reason, string VerifiedCheckpoint, string ConflictingCheckpoint);

/// <summary>An order of a foreign registry, as its log says, with the inclusion proof of the entry that issued it against
/// the mirrored checkpoint (the entry's leaf hash, and the proof's hashes, leaf side first), and the domestic orders
/// that cite it.</summary>
public sealed record MirroredOrderView(string Reference, string Authority, string? AuthorityName, string Decision, string Category, string Summary, string Status,
    int TargetCount, List<string> Targets, long LogIndex, string LeafHash, List<string> InclusionProof, List<string> CitedBy);

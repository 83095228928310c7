namespace Palisade.Registry.Storage;

/// <summary>
/// Rows of the tables every write adds to (log entries, orders, their targets and events), held by a write session of a
/// store across the network until the session runs any other statement or commits, then written with one statement
/// per table (on PostgreSQL all in one statement, with the commit's checkpoint and its announcement): a commit of many
/// writes costs a few round trips instead of four per write.
/// </summary>
internal sealed class PendingRows
{
    public List<(long Index, byte[] Data, byte[] LeafHash)> Entries { get; } = [];

    public List<(OrderRow Order, long IssuedMs)> Orders { get; } = [];

    public List<(string Authority, string Decision, string Kind, string Value, int? Family, byte[]? Start, byte[]? End)> Targets { get; } = [];

    public List<(long LogIndex, int Entries, string Authority, string Decision, string Type, long TimeMs)> OrderEvents { get; } = [];

    /// <summary>The commit's signed checkpoint, if it has one yet.</summary>
    public (long Size, byte[] Root, string Note)? Checkpoint { get; set; }

    /// <summary>The log size to announce to the store's other processes, if any.</summary>
    public long? Announce { get; set; }

    public bool IsEmpty => Entries.Count == 0 && Orders.Count == 0 && Targets.Count == 0 && OrderEvents.Count == 0 && Checkpoint is null && Announce is null;

    public void Clear()
    {
        Entries.Clear();
        Orders.Clear();
        Targets.Clear();
        OrderEvents.Clear();
        Checkpoint = null;
        Announce = null;
    }
}

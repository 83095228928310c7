namespace Palisade.Dns;

/// <summary>The latest changes of the zone, for IXFR (RFC 1995): a chain from a secondary's serial to the current one.</summary>
internal sealed class RpzHistory
{
    private readonly List<RpzChange> _changes = [];
    private readonly object _gate = new();

    /// <summary>Keeps <paramref name="change"/>, forgetting the oldest beyond <see cref="RpzZone.MaxHistory"/>.</summary>
    public void Add(RpzChange change)
    {
        lock (_gate)
        {
            _changes.Add(change);
            if (_changes.Count > RpzZone.MaxHistory)
            {
                _changes.RemoveAt(0);
            }
        }
    }

    /// <summary>The changes leading from <paramref name="from"/> to <paramref name="to"/>, or null (the secondary gets
    /// the whole zone); empty when equal.</summary>
    public List<RpzChange>? Chain(uint from, uint to)
    {
        if (from == to)
        {
            return [];
        }

        lock (_gate)
        {
            int start = _changes.FindIndex(c => c.From == from);
            if (start < 0)
            {
                return null;
            }

            List<RpzChange> chain = _changes[start..];
            return chain[^1].To == to ? chain : null;
        }
    }
}

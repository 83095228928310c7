using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// A stretch of time in which no order of one compiled policy takes effect or expires, so every lookup in that policy
/// answers the same throughout it. A reader that remembers the epoch in which it found a name unmatched can skip the
/// lookup while the policy's current epoch is still that one (the DNS server does this for answers in its cache).
/// Compared by reference: each policy makes its own.
/// </summary>
public sealed class PolicyEpoch
{
    internal PolicyEpoch(long fromMs, long untilMs)
    {
        FromMs = fromMs;
        UntilMs = untilMs;
    }

    /// <summary>When the epoch starts (Unix milliseconds; <see cref="long.MinValue"/> when no order changes before it).</summary>
    public long FromMs { get; }

    /// <summary>When the next order takes effect or expires (Unix milliseconds, exclusive; <see cref="long.MaxValue"/> when none does).</summary>
    public long UntilMs { get; }

    /// <summary>Whether <paramref name="unixMilliseconds"/> lies in the epoch.</summary>
    public bool Contains(long unixMilliseconds) => unixMilliseconds >= FromMs && unixMilliseconds < UntilMs;
}

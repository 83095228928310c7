using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// What a policy entry says about the order behind it: its reference (<c>authority/decision</c>), category and the
/// window in which it is enforced. Shared by every entry of the same order; equal when all members are equal.
/// </summary>
public sealed record PolicyOrder(string Reference, string Category, long EffectiveMs, long? ExpiresMs)
{
    /// <summary>The authority part of the reference.</summary>
    public string Authority => OrderReference.Parse(Reference).Authority;

    /// <summary>Whether the order is enforced at <paramref name="unixMilliseconds"/>: effective, not yet expired.</summary>
    public bool IsActiveAt(long unixMilliseconds) => EffectiveMs <= unixMilliseconds && (ExpiresMs is not { } expires || expires > unixMilliseconds);

    /// <summary>When <see cref="IsActiveAt"/> next changes after <paramref name="unixMilliseconds"/> (the order takes
    /// effect or expires); null when it never does.</summary>
    public long? NextChangeAfter(long unixMilliseconds) =>
        EffectiveMs > unixMilliseconds ? EffectiveMs : ExpiresMs is { } expires && expires > unixMilliseconds ? expires : null;
}

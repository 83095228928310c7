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
    private readonly string _reference = Reference;
    private readonly OrderReference _parsed = OrderReference.Parse(Reference);

    /// <summary>The order's reference, <c>authority/decision</c>; read once, when it is set.</summary>
    public string Reference
    {
        get => _reference;
        init
        {
            _reference = value;
            _parsed = OrderReference.Parse(value);
        }
    }

    /// <summary>The authority part of the reference.</summary>
    public string Authority => _parsed.Authority;

    /// <summary>The order's public page under the portal at <paramref name="portal"/> (what an EDE text and a block
    /// page link to).</summary>
    public string PageUrl(Uri portal)
    {
        ArgumentNullException.ThrowIfNull(portal);
        return _parsed.PageUrl(portal.AbsoluteUri);
    }

    /// <summary>Whether the order is enforced at <paramref name="unixMilliseconds"/>: effective, not yet expired.</summary>
    public bool IsActiveAt(long unixMilliseconds) => InForceAt(EffectiveMs, ExpiresMs, unixMilliseconds);

    /// <summary>Whether the order has expired at <paramref name="unixMilliseconds"/> (it stays expired).</summary>
    public bool IsExpiredAt(long unixMilliseconds) => ExpiredAt(ExpiresMs, unixMilliseconds);

    /// <summary>The one "in force" rule, for whoever holds an order's window without a <see cref="PolicyOrder"/> (a stored
    /// row, an order's history): in force from <paramref name="effectiveMs"/> (inclusive) until
    /// <paramref name="expiresMs"/> (exclusive; null: no end).</summary>
    public static bool InForceAt(long effectiveMs, long? expiresMs, long unixMilliseconds) =>
        effectiveMs <= unixMilliseconds && !ExpiredAt(expiresMs, unixMilliseconds);

    /// <summary>Whether an order expiring at <paramref name="expiresMs"/> (null: never) has expired at
    /// <paramref name="unixMilliseconds"/>.</summary>
    public static bool ExpiredAt(long? expiresMs, long unixMilliseconds) => expiresMs is { } expires && expires <= unixMilliseconds;

    /// <summary>An order's status at <paramref name="unixMilliseconds"/>, as the API and the portal name it:
    /// <c>revoked</c>, <c>pending</c> (not yet effective), <c>expired</c> or <c>active</c>.</summary>
    public static string StatusAt(long effectiveMs, long? expiresMs, bool revoked, long unixMilliseconds) =>
        revoked ? "revoked"
        : effectiveMs > unixMilliseconds ? "pending"
        : ExpiredAt(expiresMs, unixMilliseconds) ? "expired"
        : "active";

    /// <summary>When <see cref="IsActiveAt"/> next changes after <paramref name="unixMilliseconds"/> (the order takes
    /// effect or expires); null when it never does.</summary>
    public long? NextChangeAfter(long unixMilliseconds) =>
        EffectiveMs > unixMilliseconds ? EffectiveMs : ExpiresMs is { } expires && expires > unixMilliseconds ? expires : null;
}

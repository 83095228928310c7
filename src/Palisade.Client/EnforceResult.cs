namespace Palisade.Client;

/// <summary>What an <see cref="IEnforcementPoint.EnforceAsync"/> call achieved.</summary>
/// <param name="Enforced">Whether the point holds the version now; false asks for a retry.</param>
/// <param name="NextChangeMs">When an order of the version next takes effect or expires (Unix ms), so the point must be
/// called again then; null: no such time.</param>
public readonly record struct EnforceResult(bool Enforced, long? NextChangeMs)
{
    /// <summary>The point holds the version; nothing in it changes with time (as far as this point cares).</summary>
    public static EnforceResult Done { get; } = new(true, null);

    /// <summary>The point could not apply the version; it keeps what it held, and the host retries.</summary>
    public static EnforceResult Failed { get; } = new(false, null);
}

namespace Palisade.Client;

/// <summary>Why the <see cref="EnforcementHost"/> asks a point to enforce.</summary>
public enum EnforceReason
{
    /// <summary>The version kept in the cache directory, at start, before the registry is asked.</summary>
    Cache,

    /// <summary>A version was swapped in (or the host woke for another reason and found a newer one).</summary>
    Version,

    /// <summary>An order takes effect or expires now, or the idle interval passed.</summary>
    Clock,

    /// <summary>The last call failed, or its acknowledgement did not reach the registry.</summary>
    Retry,
}

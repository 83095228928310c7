namespace Palisade.Dns;

/// <summary>The state of the policy subscription, for metrics.</summary>
/// <param name="Version">The registry version enforced (0: none yet).</param>
/// <param name="Entries">Its entries.</param>
/// <param name="AgeSeconds">Seconds since the registry was last checked successfully, or -1.</param>
/// <param name="Updates">Versions swapped in.</param>
/// <param name="Failures">Updates refused.</param>
public sealed record PolicyStatus(ulong Version, int Entries, double AgeSeconds, long Updates, long Failures);

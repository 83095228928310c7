namespace Palisade.Registry;

/// <summary>A published registry version: the log prefix it covers and the hashes of its bundle and delta files.</summary>
public sealed record RegistryVersion(ulong Version, ulong LogSize, long LogIndex, byte[] BundleSha256, byte[] DeltaSha256, int Entries, long TimeMs);

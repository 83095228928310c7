using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// The change from registry version <see cref="FromVersion"/> to <see cref="Version"/>: entries removed and added, the
/// log prefix the new version covers, and the SHA-256 of the new version's full bundle, so a consumer that applies the
/// delta can check that it arrived at exactly that bundle.
/// </summary>
public sealed class PolicyDelta
{
    private static ReadOnlySpan<byte> RemovedPrefix => "-\t"u8;

    private static ReadOnlySpan<byte> AddedPrefix => "+\t"u8;

    /// <summary>Creates a delta.</summary>
    public PolicyDelta(string registry, ulong version, ulong fromVersion, ulong logSize, byte[] logRoot, long logTimeMs, byte[] bundleSha256,
        BundleEntry[] removed, BundleEntry[] added)
    {
        Registry = registry;
        Version = version;
        FromVersion = fromVersion;
        LogSize = logSize;
        LogRoot = logRoot;
        LogTimeMs = logTimeMs;
        BundleSha256 = bundleSha256;
        Removed = removed;
        Added = added;
    }

    /// <summary>The registry's log origin.</summary>
    public string Registry { get; }

    /// <summary>The version this delta produces.</summary>
    public ulong Version { get; }

    /// <summary>The version it applies to (always <see cref="Version"/> − 1).</summary>
    public ulong FromVersion { get; }

    /// <summary>How many log entries the new version covers.</summary>
    public ulong LogSize { get; }

    /// <summary>The Merkle root of those entries.</summary>
    public byte[] LogRoot { get; }

    /// <summary>The time of the last log event the new version covers.</summary>
    public long LogTimeMs { get; }

    /// <summary>SHA-256 of the new version's bundle.</summary>
    public byte[] BundleSha256 { get; }

    /// <summary>Entries removed, in canonical order.</summary>
    public BundleEntry[] Removed { get; }

    /// <summary>Entries added, in canonical order.</summary>
    public BundleEntry[] Added { get; }

    /// <summary>Writes the delta's bytes.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        BundleText.WriteHeader(stream, "palisade-delta", "1");
        BundleText.WriteHeader(stream, "registry", Registry);
        BundleText.WriteHeader(stream, "version", Version);
        BundleText.WriteHeader(stream, "from-version", FromVersion);
        BundleText.WriteLogPrefix(stream, LogSize, LogRoot, LogTimeMs);
        BundleText.WriteHeader(stream, "bundle-sha256", Convert.ToHexStringLower(BundleSha256));
        BundleText.WriteHeader(stream, "removed", (ulong)Removed.Length);
        BundleText.WriteHeader(stream, "added", (ulong)Added.Length);
        stream.WriteByte((byte)'\n');
        BundleText.WriteEntries(stream, Removed, RemovedPrefix);
        BundleText.WriteEntries(stream, Added, AddedPrefix);
    }

    /// <summary>The delta's bytes.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Parses a delta in canonical form.</summary>
    /// <exception cref="FormatException">The text is not a delta; the message names the line.</exception>
    public static PolicyDelta Parse(ReadOnlySpan<byte> bytes)
    {
        var reader = new BundleText.Reader(bytes);
        if (reader.ReadHeader("palisade-delta") != "1")
        {
            throw reader.Error("not a version 1 delta");
        }

        string registry = reader.ReadHeader("registry");
        ulong version = reader.ReadNumber("version");
        ulong fromVersion = reader.ReadNumber("from-version");
        if (fromVersion + 1 != version)
        {
            throw reader.Error($"a delta goes from one version to the next, not from {fromVersion} to {version}");
        }

        (ulong logSize, byte[] logRoot, long logTime) = reader.ReadLogPrefix();
        byte[] bundleHash = reader.ReadHash("bundle-sha256", hex: true);
        int removedCount = (int)reader.ReadNumber("removed", BundleText.MaxEntries);
        int addedCount = (int)reader.ReadNumber("added", BundleText.MaxEntries);
        reader.ReadBlank();
        BundleEntry[] removed = PolicyBundle.ReadSorted(ref reader, removedCount, RemovedPrefix);
        BundleEntry[] added = PolicyBundle.ReadSorted(ref reader, addedCount, AddedPrefix);
        if (!reader.AtEnd)
        {
            throw reader.Error("there is more after the entries the header announces");
        }

        return new PolicyDelta(registry, version, fromVersion, logSize, logRoot, logTime, bundleHash, removed, added);
    }

    /// <summary>Applies the delta to the previous version's entries, giving the new version's bundle.</summary>
    /// <exception cref="PolicyVerificationException">The delta does not fit the bundle it is applied to.</exception>
    public PolicyBundle ApplyTo(PolicyBundle previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        if (previous.Version != FromVersion || previous.Registry != Registry)
        {
            throw new PolicyVerificationException($"delta {FromVersion}→{Version} of {Registry} does not apply to version {previous.Version} of {previous.Registry}");
        }

        // Written straight into the new bundle's array: at a million entries a list copied out at the end would be a
        // second 16 MiB array on every update.
        var entries = new BundleEntry[Math.Max(0, previous.Entries.Length - Removed.Length + Added.Length)];
        int count = 0, removed = 0, added = 0;
        foreach (BundleEntry entry in previous.Entries)
        {
            if (removed < Removed.Length && BundleEntry.Compare(Removed[removed], entry) == 0)
            {
                if (Removed[removed].Order != entry.Order)
                {
                    throw new PolicyVerificationException($"delta {FromVersion}→{Version} removes {entry.Target} of {Removed[removed].Order.Reference} with different order details than version {FromVersion} holds");
                }

                removed++;
                continue;
            }

            while (added < Added.Length && BundleEntry.Compare(Added[added], entry) <= 0)
            {
                if (BundleEntry.Compare(Added[added], entry) == 0)
                {
                    throw new PolicyVerificationException($"delta {FromVersion}→{Version} adds {entry.Target} of {entry.Order.Reference}, which version {FromVersion} already holds");
                }

                Put(entries, ref count, Added[added++]);
            }

            Put(entries, ref count, entry);
        }

        if (removed != Removed.Length)
        {
            throw new PolicyVerificationException($"delta {FromVersion}→{Version} removes {Removed[removed].Target} of {Removed[removed].Order.Reference}, which version {FromVersion} does not hold");
        }

        while (added < Added.Length)
        {
            Put(entries, ref count, Added[added++]);
        }

        return new PolicyBundle(Registry, Version, LogSize, LogRoot, LogTimeMs, entries);

        void Put(BundleEntry[] into, ref int written, BundleEntry entry)
        {
            if (written == into.Length)
            {
                // More entries than the version's less the removals plus the additions: a removal was not found.
                throw new PolicyVerificationException($"delta {FromVersion}→{Version} removes entries that version {FromVersion} does not hold");
            }

            into[written++] = entry;
        }
    }
}

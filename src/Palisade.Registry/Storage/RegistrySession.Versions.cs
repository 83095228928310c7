using System.Data;
using System.Data.Common;
using Palisade.Registry.Api;

namespace Palisade.Registry.Storage;

/// <summary>Published versions (derived from <c>version.published</c>).</summary>
internal sealed partial class RegistrySession
{
    public void InsertVersion(RegistryVersion version) =>
        NonQuery("INSERT INTO versions (version, log_size, log_index, bundle_sha256, delta_sha256, entries, time_ms) VALUES (@v, @size, @index, @bundle, @delta, @entries, @time)",
            Int("v", (long)version.Version), Int("size", (long)version.LogSize), Int("index", version.LogIndex), Blob("bundle", version.BundleSha256),
            Blob("delta", version.DeltaSha256), Int("entries", version.Entries), Int("time", version.TimeMs));

    public RegistryVersion? GetVersion(ulong version) => ReadVersion(
        "SELECT version, log_size, log_index, bundle_sha256, delta_sha256, entries, time_ms FROM versions WHERE version = @v", Int("v", (long)version));

    public RegistryVersion? VersionWithBundle(byte[] sha256) => ReadVersion(
        "SELECT version, log_size, log_index, bundle_sha256, delta_sha256, entries, time_ms FROM versions WHERE bundle_sha256 = @h ORDER BY version LIMIT 1", Blob("h", sha256));

    public RegistryVersion? LatestVersion() => ReadVersion(
        "SELECT version, log_size, log_index, bundle_sha256, delta_sha256, entries, time_ms FROM versions ORDER BY version DESC LIMIT 1");
}

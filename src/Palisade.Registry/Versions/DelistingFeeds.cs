using System.Security.Cryptography;
using Palisade.Policy;

namespace Palisade.Registry;

/// <summary>
/// Serves the delisting feed (<see cref="DelistingFeed"/>): each published version and its delta, derived from the
/// version's bundle and delta and signed with the log key, on request. Feed files are a pure function of the version,
/// so every node serves the same bytes; the signatures are deterministic (Ed25519). The last few are kept in memory,
/// because every search engine asks for the same latest version.
/// </summary>
internal sealed class DelistingFeeds(RegistryContext context, RegistryVersions versions)
{
    /// <summary>Feed files (and deltas) kept in memory.</summary>
    public const int CachedFiles = 8;

    private readonly Lock _gate = new();
    private readonly LinkedList<(ulong Version, string Kind, FeedFile File)> _cache = new();

    /// <summary>Version <paramref name="version"/>'s feed file.</summary>
    public Task<FeedFile> FileAsync(ulong version, CancellationToken cancellationToken) => CachedAsync(version, DelistingFeed.FileKind, async () =>
    {
        byte[] bytes = DelistingFeed.Of(PolicyBundle.Parse(await versions.FileBytesAsync(version, "bundle", cancellationToken).ConfigureAwait(false))).ToBytes();
        return Signed(version, DelistingFeed.FileKind, bytes);
    });

    /// <summary>Version <paramref name="version"/>'s feed delta from the version before.</summary>
    public Task<FeedFile> DeltaAsync(ulong version, CancellationToken cancellationToken) => CachedAsync(version, DelistingFeed.DeltaKind, async () =>
    {
        PolicyDelta delta = PolicyDelta.Parse(await versions.FileBytesAsync(version, "delta", cancellationToken).ConfigureAwait(false));
        byte[] bytes = DelistingFeed.Of(delta, (await FileAsync(version, cancellationToken).ConfigureAwait(false)).Sha256).ToBytes();
        return Signed(version, DelistingFeed.DeltaKind, bytes);
    });

    private FeedFile Signed(ulong version, string kind, byte[] bytes) =>
        new(bytes, SHA256.HashData(bytes), BundleSignature.Sign(context.Log.Signer, kind, version, bytes));

    private async Task<FeedFile> CachedAsync(ulong version, string kind, Func<Task<FeedFile>> build)
    {
        lock (_gate)
        {
            foreach ((ulong v, string k, FeedFile file) in _cache)
            {
                if (v == version && k == kind)
                {
                    return file;
                }
            }
        }

        FeedFile built = await build().ConfigureAwait(false);
        lock (_gate)
        {
            _cache.AddFirst((version, kind, built));
            while (_cache.Count > CachedFiles)
            {
                _cache.RemoveLast();
            }
        }

        return built;
    }

    /// <summary>A feed file with its hash and signature.</summary>
    internal sealed record FeedFile(byte[] Bytes, byte[] Sha256, string Signature);
}

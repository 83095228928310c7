using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Client;
using Palisade.Log;
using Palisade.Core;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>
/// Follows a registry's versions for an enforcement point: fetches the latest bundle, or the chain of deltas from the
/// version it enforces, verifies the log key's signature of every file, the hash of the bundle it arrives at, that
/// versions only go forward and that the new log prefix is consistent with the one it trusted (RFC 9162 consistency
/// proof), and only then swaps in the new compiled policy. On any failure it keeps enforcing its last good version
/// (fail-static) and reports why in its log and counters.
/// </summary>
public sealed partial class PolicySubscription
{
    /// <summary>The most bytes of a bundle, delta or feed file read from the registry (a bundle of a million entries is
    /// about 72 MiB).</summary>
    public const int MaxVersionFileBytes = 1024 * 1024 * 1024;

    /// <summary>The most bytes of a detached signature (<c>.sig</c>), one signed-note signature line of about 150.</summary>
    public const int MaxSignatureBytes = 16 * 1024;

    /// <summary>The most bytes of a consistency proof's JSON: at most 64 hashes of 46 characters.</summary>
    public const int MaxProofBytes = 64 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _registry;
    private readonly NoteVerifier _key;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private CompiledPolicy _current = CompiledPolicy.Empty;
    private long _updates;
    private long _failures;
    private long _lastSuccessMs;
    private string? _lastFailure;
    private Exception? _lastException;

    /// <summary>Creates a subscription to the registry at <paramref name="registry"/> whose log key is <paramref name="key"/>.</summary>
    /// <param name="http">The client; it should not follow redirects (then only the version number is read from
    /// <c>/v1/bundles/latest</c>), though one that does works too.</param>
    /// <param name="registry">The registry's base URL.</param>
    /// <param name="key">The registry's pinned log key (<c>GET /log/key</c>).</param>
    /// <param name="logger">Where verification failures and swaps are logged.</param>
    /// <param name="time">The clock for the counters.</param>
    public PolicySubscription(HttpClient http, Uri registry, NoteVerifier key, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _http = http;
        _registry = registry.AbsoluteUri.EndsWith('/') ? registry : new Uri(registry.AbsoluteUri + "/");
        _key = key;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The policy being enforced: the last version that verified (empty before the first).</summary>
    public CompiledPolicy Current => Volatile.Read(ref _current);

    /// <summary>Which signed versions are followed: the registry's bundles (the default) or another feed of them, such
    /// as <see cref="SubscriptionFeed.Delisting"/>.</summary>
    public SubscriptionFeed Feed { get; init; } = SubscriptionFeed.Bundles;

    /// <summary>Longest chain of deltas fetched instead of a full bundle.</summary>
    public int MaxDeltaChain { get; init; } = 64;

    /// <summary>A directory where the last verified bundle and its signature are kept, so a restart enforces it at once
    /// (still verified) even while the registry is unreachable; null keeps nothing.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The witnesses whose cosignatures the log's checkpoint needs before a version is enforced; null to trust
    /// the log's signature alone. With a policy, a version is enforced only when a checkpoint cosigned by a quorum covers
    /// it (consistently), so a registry cannot show this enforcement point a history that the witnesses have not seen.</summary>
    public WitnessPolicy? Witnesses { get; init; }

    /// <summary>How long an update waits for the checkpoint covering a new version to gather its quorum.</summary>
    public TimeSpan QuorumWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Versions swapped in.</summary>
    public long Updates => Interlocked.Read(ref _updates);

    /// <summary>Updates refused because something failed to verify or to arrive.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>When a check last succeeded (found a newer version or confirmed there is none), Unix ms; 0 never.</summary>
    public long LastSuccessMs => Interlocked.Read(ref _lastSuccessMs);

    /// <summary>Why the last failed check failed; null after a success.</summary>
    public string? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>The error behind <see cref="LastFailure"/>: a <see cref="PolicyVerificationException"/> when something did
    /// not verify, an <see cref="HttpRequestException"/> when the registry could not be reached.</summary>
    public Exception? LastException => Volatile.Read(ref _lastException);

    /// <summary>Raised after a new version is swapped in.</summary>
    public event Action<CompiledPolicy>? Swapped;

    /// <summary>Loads the cached bundle, if any, re-verifying its signature; false when there is none or it fails.</summary>
    public bool LoadCache()
    {
        if (CacheDirectory is null || !File.Exists(CachePath(Feed.CacheName)) || !File.Exists(CachePath(Feed.CacheName + ".sig")))
        {
            return false;
        }

        try
        {
            byte[] bytes = File.ReadAllBytes(CachePath(Feed.CacheName));
            PolicyBundle bundle = PolicyBundle.Parse(bytes);
            BundleSignature.Verify(_key, File.ReadAllText(CachePath(Feed.CacheName + ".sig")), Feed.FileKind, bundle.Version, bytes);
            CheckRegistry(bundle.Registry);
            Swap(CompiledPolicy.Build(bundle));
            return true;
        }
        catch (Exception e) when (e is FormatException or PolicyVerificationException or IOException)
        {
            Fail(e);
            return false;
        }
    }

    /// <summary>
    /// Checks once for a newer version, waiting up to <paramref name="wait"/> for one to be published (long poll), and
    /// swaps it in when it verifies. Never throws for a registry that misbehaves: the failure is counted and logged.
    /// </summary>
    /// <returns>True when a newer version was swapped in.</returns>
    public async Task<bool> UpdateAsync(TimeSpan wait = default, CancellationToken cancellationToken = default)
    {
        try
        {
            CompiledPolicy current = Current;
            ulong have = current.Version;
            ulong latest = await LatestAsync(have, wait, cancellationToken).ConfigureAwait(false);
            if (latest < have)
            {
                throw new PolicyVerificationException($"the registry's latest version {latest} is older than version {have} already enforced: versions never go backwards");
            }

            if (latest == have)
            {
                Interlocked.Exchange(ref _lastSuccessMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
                Volatile.Write(ref _lastFailure, null);
                Volatile.Write(ref _loggedFailure, null);
                return false;
            }

            (PolicyBundle next, byte[]? bytes, string signature, DeltaTargets? changed) = have > 0 && latest - have <= (ulong)MaxDeltaChain
                ? await FollowDeltasAsync(current.Bundle, latest, cancellationToken).ConfigureAwait(false)
                : await FetchBundleAsync(latest, cancellationToken).ConfigureAwait(false);
            await CheckConsistencyAsync(current.Bundle, next, cancellationToken).ConfigureAwait(false);
            if (Witnesses is { } witnesses)
            {
                await CheckWitnessedAsync(witnesses, next, cancellationToken).ConfigureAwait(false);
            }

            CompiledPolicy compiled = CompiledPolicy.Build(next, changed);
            SaveCache(next, bytes, signature);
            Swap(compiled);
            Volatile.Write(ref _loggedFailure, null);
            return true;
        }
        catch (Exception e) when (e is PolicyVerificationException or FormatException or HttpRequestException or JsonException or IOException
            || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Fail(e);
            return false;
        }
    }

    /// <summary>Follows the registry until cancelled: long polls of <paramref name="wait"/>, and after a failure a pause
    /// of <paramref name="retry"/> before the next try.</summary>
    public async Task RunAsync(TimeSpan wait, TimeSpan retry, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            long failures = Failures;
            long started = _time.GetTimestamp();
            try
            {
                bool updated = await UpdateAsync(wait, cancellationToken).ConfigureAwait(false);

                // After a failure, or a registry that answers at once without holding the long poll, pause rather than spin.
                if (Failures != failures || (!updated && _time.GetElapsedTime(started) < TimeSpan.FromMilliseconds(100)))
                {
                    await Task.Delay(retry, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<ulong> LatestAsync(ulong have, TimeSpan wait, CancellationToken cancellationToken)
    {
        string query = wait <= TimeSpan.Zero ? "" : string.Create(CultureInfo.InvariantCulture, $"?after={have}&wait={(int)wait.TotalSeconds}");
        using HttpResponseMessage response = await _http.GetAsync(new Uri(_registry, Feed.LatestPath + query), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return have;
        }

        Uri? location = (int)response.StatusCode is >= 300 and < 400 ? response.Headers.Location
            : response.IsSuccessStatusCode ? response.RequestMessage?.RequestUri
            : null;
        string? last = location?.OriginalString.Split('?')[0].Split('/')[^1];
        if (response.StatusCode == HttpStatusCode.NotFound && have == 0)
        {
            return 0;
        }

        return ulong.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out ulong version)
            ? version
            : throw new PolicyVerificationException($"the registry answered {(int)response.StatusCode} for its latest version without naming one");
    }

    private async Task<(PolicyBundle, byte[], string, DeltaTargets?)> FetchBundleAsync(ulong version, CancellationToken cancellationToken)
    {
        string path = Feed.File(version);
        (byte[] bytes, string signature) = await FetchSignedAsync(path, cancellationToken).ConfigureAwait(false);
        BundleSignature.Verify(_key, signature, Feed.FileKind, version, bytes);
        PolicyBundle bundle = Parse(() => PolicyBundle.Parse(bytes), $"bundle {version}");
        if (bundle.Version != version)
        {
            throw new PolicyVerificationException($"bundle {version} says it is version {bundle.Version}");
        }

        CheckRegistry(bundle.Registry);
        return (bundle, bytes, signature, null);
    }

    private async Task<(PolicyBundle, byte[]?, string, DeltaTargets?)> FollowDeltasAsync(PolicyBundle from, ulong latest, CancellationToken cancellationToken)
    {
        PolicyBundle bundle = from;
        PolicyDelta? delta = null;
        var followed = new List<PolicyDelta>();
        for (ulong version = from.Version + 1; version <= latest; version++)
        {
            (byte[] bytes, string signature) = await FetchSignedAsync(Feed.Delta(version), cancellationToken).ConfigureAwait(false);
            BundleSignature.Verify(_key, signature, Feed.DeltaKind, version, bytes);
            delta = Parse(() => PolicyDelta.Parse(bytes), $"delta {version}");
            if (delta.Version != version)
            {
                throw new PolicyVerificationException($"delta {version} says it is version {delta.Version}");
            }

            CheckRegistry(delta.Registry);
            bundle = delta.ApplyTo(bundle);
            followed.Add(delta);
        }

        // Each delta is signed; the bundle they lead to must be exactly the one the last delta names. It is hashed as it is
        // serialised, never held as one array (tens of megabytes for a national policy, at every update).
        byte[] hash = bundle.ComputeHash();
        if (!hash.AsSpan().SequenceEqual(delta!.BundleSha256))
        {
            throw new PolicyVerificationException($"applying deltas {from.Version + 1}…{latest} gives a bundle with SHA-256 {Convert.ToHexStringLower(hash)}, not the {Convert.ToHexStringLower(delta.BundleSha256)} the registry signed");
        }

        // The cache keeps a full bundle; its signature is fetched so that a restart can verify it.
        string bundleSignature = await FetchTextAsync(Feed.File(latest) + ".sig", MaxSignatureBytes, cancellationToken).ConfigureAwait(false);
        BundleSignature.VerifyHash(_key, bundleSignature, Feed.FileKind, latest, hash);
        return (bundle, null, bundleSignature, DeltaTargets.Of(from.Version, followed));
    }

    private async Task CheckConsistencyAsync(PolicyBundle trusted, PolicyBundle next, CancellationToken cancellationToken)
    {
        if (trusted.Version == 0 || trusted.LogSize == 0)
        {
            return;
        }

        if (next.LogSize < trusted.LogSize)
        {
            throw new PolicyVerificationException($"version {next.Version} covers {next.LogSize} log entries, fewer than the {trusted.LogSize} of version {trusted.Version}: the log would have shrunk");
        }

        if (next.LogSize == trusted.LogSize)
        {
            if (!next.LogRoot.AsSpan().SequenceEqual(trusted.LogRoot))
            {
                throw new PolicyVerificationException($"versions {trusted.Version} and {next.Version} give different roots for the same {next.LogSize} log entries");
            }

            return;
        }

        List<byte[]> proof = await FetchConsistencyProofAsync(trusted.LogSize, next.LogSize, cancellationToken).ConfigureAwait(false);

        try
        {
            MerkleProofVerifier.VerifyConsistency(trusted.LogSize, next.LogSize, proof, trusted.LogRoot, next.LogRoot);
        }
        catch (MerkleProofException e)
        {
            throw new PolicyVerificationException($"the log root of version {next.Version} (size {next.LogSize}) is not consistent with that of version {trusted.Version} (size {trusted.LogSize}): {e.Message}", e);
        }
    }

    /// <summary>Requires a checkpoint signed by the log and cosigned by a quorum of witnesses that covers the version's
    /// log prefix: the same root at the same size, or a consistency proof from the version's size to the checkpoint's.</summary>
    private async Task CheckWitnessedAsync(WitnessPolicy witnesses, PolicyBundle next, CancellationToken cancellationToken)
    {
        DateTimeOffset deadline = _time.GetUtcNow() + QuorumWait;
        while (true)
        {
            SignedNote note;
            Checkpoint checkpoint;
            try
            {
                note = _key.Verify(await FetchTextAsync("log/checkpoint", SignedNote.MaxLength, cancellationToken).ConfigureAwait(false));
                checkpoint = Checkpoint.Parse(note.Text);
            }
            catch (Exception e) when (e is FormatException or CryptographicNoteException)
            {
                throw new PolicyVerificationException($"the log's checkpoint does not verify with the pinned key: {e.Message}", e);
            }

            try
            {
                witnesses.Check(note, _time.GetUtcNow());
                if (checkpoint.Size < next.LogSize)
                {
                    throw new LogVerificationException($"the cosigned checkpoint (size {checkpoint.Size}) does not yet cover version {next.Version} (size {next.LogSize})");
                }
            }
            catch (LogVerificationException e)
            {
                if (_time.GetUtcNow() >= deadline)
                {
                    throw new PolicyVerificationException($"version {next.Version} is not covered by a witnessed checkpoint: {e.Message}", e);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (checkpoint.Size == next.LogSize)
            {
                if (!checkpoint.RootHash.AsSpan().SequenceEqual(next.LogRoot))
                {
                    throw new PolicyVerificationException($"version {next.Version} gives another root for the {next.LogSize} log entries than the checkpoint the witnesses cosigned: the registry shows two histories");
                }

                return;
            }

            List<byte[]> proof = await FetchConsistencyProofAsync(next.LogSize, checkpoint.Size, cancellationToken).ConfigureAwait(false);

            try
            {
                MerkleProofVerifier.VerifyConsistency(next.LogSize, checkpoint.Size, proof, next.LogRoot, checkpoint.RootHash);
                return;
            }
            catch (MerkleProofException e)
            {
                throw new PolicyVerificationException($"version {next.Version} (log size {next.LogSize}) is not consistent with the checkpoint the witnesses cosigned (size {checkpoint.Size}): the registry shows two histories; {e.Message}", e);
            }
        }
    }

    private async Task<List<byte[]>> FetchConsistencyProofAsync(ulong size1, ulong size2, CancellationToken cancellationToken)
    {
        string path = string.Create(CultureInfo.InvariantCulture, $"v1/log/proof/consistency?size1={size1}&size2={size2}");
        using JsonDocument answer = JsonDocument.Parse(await FetchTextAsync(path, MaxProofBytes, cancellationToken).ConfigureAwait(false));
        var proof = new List<byte[]>();
        foreach (JsonElement hash in answer.RootElement.GetProperty("proof").EnumerateArray())
        {
            proof.Add(Convert.FromBase64String(hash.GetString() ?? ""));
        }

        return proof;
    }

    private async Task<(byte[] Bytes, string Signature)> FetchSignedAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes = await FetchBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return (bytes, await FetchTextAsync(path + ".sig", MaxSignatureBytes, cancellationToken).ConfigureAwait(false));
    }

    private async Task<string> FetchTextAsync(string path, int limit, CancellationToken cancellationToken) =>
        System.Text.Encoding.UTF8.GetString(await FetchBytesAsync(path, cancellationToken, limit).ConfigureAwait(false));

    /// <summary>Fetches a file of the registry, refusing a body over <paramref name="limit"/> bytes while it is read.</summary>
    private async Task<byte[]> FetchBytesAsync(string path, CancellationToken cancellationToken, int limit = MaxVersionFileBytes)
    {
        using HttpResponseMessage response = await _http.GetAsync(new Uri(_registry, path), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new PolicyVerificationException($"{path}: the registry answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        try
        {
            return await ResponseBody.ReadBytesAsync(response, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (ResponseTooLargeException e)
        {
            throw new PolicyVerificationException(e.Message, e);
        }
    }

    private void CheckRegistry(string registry)
    {
        if (registry != _key.Name)
        {
            throw new PolicyVerificationException($"the file is of registry '{registry}', not of '{_key.Name}' whose key is pinned");
        }
    }

    private static T Parse<T>(Func<T> parse, string what)
    {
        try
        {
            return parse();
        }
        catch (FormatException e)
        {
            throw new PolicyVerificationException($"{what} is signed but malformed: {e.Message}", e);
        }
    }

    private void Swap(CompiledPolicy compiled)
    {
        ulong previous = Interlocked.Exchange(ref _current, compiled).Version;
        Interlocked.Increment(ref _updates);
        Interlocked.Exchange(ref _lastSuccessMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
        Volatile.Write(ref _lastFailure, null);
        LogSwapped(_logger, previous, compiled.Version, compiled.Bundle.Entries.Length, compiled.Bundle.LogSize);
        Swapped?.Invoke(compiled);
    }

    private void Fail(Exception e)
    {
        Interlocked.Increment(ref _failures);
        Volatile.Write(ref _lastException, e);
        Volatile.Write(ref _lastFailure, e.Message);

        // Once per distinct reason: a registry that keeps offering what does not verify is logged when it starts, and
        // again only when the reason changes or after an update succeeded, not at every retry.
        if (!string.Equals(Interlocked.Exchange(ref _loggedFailure, e.Message), e.Message, StringComparison.Ordinal))
        {
            LogRefused(_logger, Current.Version, e.Message);
        }
    }

    private string? _loggedFailure;

    /// <summary>Keeps the verified version for a restart: its bytes as fetched, or (after deltas) the bundle written out as
    /// it is serialised; each file is written whole and then renamed into place.</summary>
    private void SaveCache(PolicyBundle bundle, byte[]? bytes, string signature)
    {
        if (CacheDirectory is null)
        {
            return;
        }

        Directory.CreateDirectory(CacheDirectory);
        using (var file = new FileStream(CachePath(Feed.CacheName + ".tmp"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            if (bytes is not null)
            {
                file.Write(bytes);
            }
            else
            {
                bundle.WriteTo(file);
            }
        }

        File.WriteAllText(CachePath(Feed.CacheName + ".sig.tmp"), signature);
        File.Move(CachePath(Feed.CacheName + ".tmp"), CachePath(Feed.CacheName), overwrite: true);
        File.Move(CachePath(Feed.CacheName + ".sig.tmp"), CachePath(Feed.CacheName + ".sig"), overwrite: true);
    }

    private string CachePath(string name) => Path.Combine(CacheDirectory!, "policy." + name);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Policy version {Previous} replaced by version {Version}: {Entries} entries, log size {LogSize}")]
    private static partial void LogSwapped(ILogger logger, ulong previous, ulong version, int entries, ulong logSize);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Policy update refused; still enforcing version {Version}: {Reason}")]
    private static partial void LogRefused(ILogger logger, ulong version, string reason);
}

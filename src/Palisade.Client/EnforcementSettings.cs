using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Log;

namespace Palisade.Client;

/// <summary>How an <see cref="EnforcementHost"/> follows its registry.</summary>
/// <param name="Registry">The registry's base URL.</param>
/// <param name="Key">The registry's pinned log key.</param>
public sealed record EnforcementSettings(Uri Registry, NoteVerifier Key)
{
    /// <summary>Where the last verified version is kept across restarts, enforced at once at the next start (null: nowhere).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Witnesses whose cosignatures must cover a version before it is enforced (null: the log's signature alone).</summary>
    public WitnessPolicy? Witnesses { get; init; }

    /// <summary>The point's key (<c>palisade point create</c>); with it, every version the point enforces is acknowledged
    /// to the registry, signed (null: none).</summary>
    public NoteSigner? PointKey { get; init; }

    /// <summary>How long one long poll of the registry waits for a new version.</summary>
    public TimeSpan LongPoll { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The pause after a failed check of the registry (the last good version stays in force).</summary>
    public TimeSpan FollowRetry { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The pause before the host asks the point again after it failed to enforce, or after an acknowledgement
    /// did not reach the registry.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Logging.</summary>
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

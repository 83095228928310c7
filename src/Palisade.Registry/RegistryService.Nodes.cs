using Microsoft.Extensions.Logging;
using Palisade.Core.Events;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// Several registry processes over one shared store (PostgreSQL). Each keeps the log's tree, the order book and the
/// latest version in memory and follows the others' appends: before each of its own writes, inside the store's write
/// lock; on a notification from the store; once a second in any case; and before answering a read that must show
/// everything acknowledged. One process at a time publishes versions (it holds the store's publisher claim); when it
/// dies another takes the claim within a second or two and publishes what is pending, so versions stay a pure function
/// of the log and are numbered without gaps.
/// </summary>
public sealed partial class RegistryService
{
    private readonly CancellationTokenSource _following = new();
    private Task? _follower;
    private IDisposable? _publisherClaim;

    /// <summary>Where the registry logs what happens among several processes (nothing by default).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Whether this process publishes registry versions now.</summary>
    public bool IsPublisher => Volatile.Read(ref _publisherClaim) is not null;

    /// <summary>Takes the publisher claim if no other process holds it; true when this process holds it.</summary>
    internal bool TryClaimPublisher()
    {
        if (IsPublisher)
        {
            return true;
        }

        IDisposable? claim = _store.TryClaimPublisher();
        if (claim is null)
        {
            return false;
        }

        Volatile.Write(ref _publisherClaim, claim);
        if (_store.IsShared)
        {
            LogPublisherClaimed(Logger, _log.Origin);
        }

        return true;
    }

    /// <summary>Brings this process up to the store's latest checkpoint if another process appended since.</summary>
    public void CatchUpIfBehind()
    {
        if (!_store.IsShared)
        {
            return;
        }

        long stored;
        using (RegistrySession session = _store.OpenRead())
        {
            stored = session.LatestCheckpoint()?.Size ?? 0;
        }

        if ((ulong)stored > _log.Size)
        {
            CatchUpNow();
        }
    }

    private void CatchUpNow()
    {
        _writer.Wait();
        try
        {
            using RegistrySession session = _store.OpenRead();
            CatchUp(session);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Applies the entries other processes appended (the caller holds the writer lock).</summary>
    private void CatchUp(RegistrySession session)
    {
        List<(ulong Index, byte[] Entry)> added = _log.CatchUp(session);
        bool orders = false;
        foreach ((ulong index, _, LogEvent evt) in LogEvents.Join(added))
        {
            if (evt is VersionPublished published)
            {
                AcceptVersion(published.Version, published.LogSize, (long)index, Convert.FromHexString(published.Bundle), Convert.FromHexString(published.Delta),
                    published.Time.ToUnixTimeMilliseconds());
            }

            _book.Apply(evt);
            orders |= evt is OrderEvent;
        }

        if (orders)
        {
            _publisher?.OrderChanged();
        }
    }

    private void StartFollower()
    {
        if (_store.IsShared)
        {
            _follower = Task.Run(() => FollowAsync(_following.Token));
        }
    }

    private async Task FollowAsync(CancellationToken stop)
    {
        using var appended = new SemaphoreSlim(0, 1);
        Task listening = Task.CompletedTask;
        while (!stop.IsCancellationRequested)
        {
            if (listening.IsCompleted)
            {
                // (Re)subscribe; a lost connection ends the listener (observed here) and polling carries on meanwhile.
                if (listening.Exception is { } lost)
                {
                    LogFollowFailed(Logger, lost.GetBaseException().Message);
                }

                listening = _store.ListenAsync(size =>
                {
                    if ((ulong)size > _log.Size && appended.CurrentCount == 0)
                    {
                        try
                        {
                            appended.Release();
                        }
                        catch (SemaphoreFullException)
                        {
                        }
                    }
                }, stop);
            }

            try
            {
                await appended.WaitAsync(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                CatchUpNow();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or RegistryConfigurationException or InvalidOperationException)
            {
                LogFollowFailed(Logger, e.Message);
            }
        }
    }

    private void StopFollower()
    {
        _following.Cancel();
        try
        {
            _follower?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _following.Dispose();
        Interlocked.Exchange(ref _publisherClaim, null)?.Dispose();
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "This process now publishes the versions of log {Origin}")]
    private static partial void LogPublisherClaimed(ILogger logger, string origin);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Following the shared store failed, retrying: {Reason}")]
    private static partial void LogFollowFailed(ILogger logger, string reason);
}

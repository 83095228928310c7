using Microsoft.Extensions.Logging;
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
internal sealed partial class RegistryNodes(RegistryContext context) : IDisposable
{
    private readonly RegistryContext _context = context;
    private readonly CancellationTokenSource _following = new();
    private Task? _follower;
    private IDisposable? _publisherClaim;

    /// <summary>Whether this process publishes registry versions now.</summary>
    public bool IsPublisher => Volatile.Read(ref _publisherClaim) is not null;

    /// <summary>Takes the publisher claim if no other process holds it; true when this process holds it.</summary>
    internal bool TryClaimPublisher()
    {
        if (IsPublisher)
        {
            return true;
        }

        IDisposable? claim = _context.Store.TryClaimPublisher();
        if (claim is null)
        {
            return false;
        }

        Volatile.Write(ref _publisherClaim, claim);
        if (_context.Store.IsShared)
        {
            LogPublisherClaimed(_context.Logger, _context.Log.Origin);
        }

        return true;
    }

    public void Start()
    {
        if (_context.Store.IsShared)
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
                    LogFollowFailed(_context.Logger, lost.GetBaseException().Message);
                }

                listening = _context.Store.ListenAsync(size =>
                {
                    if ((ulong)size > _context.Log.Size && appended.CurrentCount == 0)
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
                _context.Writer.CatchUpNow();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or RegistryConfigurationException or InvalidOperationException)
            {
                LogFollowFailed(_context.Logger, e.Message);
            }
        }
    }

    public void Dispose()
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

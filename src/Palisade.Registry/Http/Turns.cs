using System.Threading.RateLimiting;
using Palisade.Registry.Api;

namespace Palisade.Registry;

/// <summary>
/// Costly work an anonymous caller can ask for, taken in turns: at most <c>running</c> at once and <c>queued</c> more
/// waiting, each for at most <c>maxWait</c>; a caller beyond them, or one that waited too long, gets the problem
/// <c>busy</c> makes (a 503 with Retry-After), so a flood of requests holds connections, not threads or memory.
/// </summary>
internal sealed class Turns(int running, int queued, TimeSpan maxWait, Func<RegistryProblem> busy) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = running,
        QueueLimit = queued,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>Waits for a turn; dispose the lease to end it.</summary>
    /// <exception cref="RegistryProblem">There is no turn to be had (<c>busy</c>'s problem).</exception>
    public async Task<RateLimitLease> TakeAsync(CancellationToken aborted)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        wait.CancelAfter(maxWait);
        RateLimitLease lease;
        try
        {
            lease = await _limiter.AcquireAsync(1, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            throw busy();
        }

        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw busy();
        }

        return lease;
    }

    public void Dispose() => _limiter.Dispose();
}

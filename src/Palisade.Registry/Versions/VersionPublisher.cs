using System.Data.Common;

namespace Palisade.Registry;

/// <summary>
/// Publishes a new registry version shortly after orders change: the first change after a publication starts a timer
/// of <see cref="RegistryOptions.PublishDelay"/>, and every change until it fires goes into the same version. A failed
/// publication (a full disk) is retried; the log and the orders are unaffected.
/// </summary>
internal sealed class VersionPublisher : IDisposable
{
    private readonly RegistryVersions _versions;
    private readonly RegistryNodes _nodes;
    private readonly TimeSpan _delay;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public VersionPublisher(RegistryVersions versions, RegistryNodes nodes, TimeSpan delay)
    {
        _versions = versions;
        _nodes = nodes;
        _delay = delay;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Why the last publication failed; null after a success.</summary>
    public string? LastError { get; private set; }

    /// <summary>Asks for a publication (cheap; many calls before the timer fires make one version).</summary>
    public void OrderChanged()
    {
        lock (_signal)
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
        _signal.Dispose();
    }

    private async Task RunAsync()
    {
        CancellationToken stop = _stop.Token;
        try
        {
            while (true)
            {
                // A process that does not publish retries for the claim every second: when the publisher dies, the
                // next one takes over within about a second and publishes what is pending.
                bool asked = await _signal.WaitAsync(_nodes.IsPublisher ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                if (!_nodes.IsPublisher)
                {
                    try
                    {
                        if (!_nodes.TryClaimPublisher())
                        {
                            continue;
                        }
                    }
                    catch (DbException e)
                    {
                        LastError = e.Message;
                        continue;
                    }

                    asked = true;
                }

                if (!asked)
                {
                    continue;
                }

                await Task.Delay(_delay, stop).ConfigureAwait(false);
                try
                {
                    _versions.PublishVersion();
                    LastError = null;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or DbException)
                {
                    LastError = e.Message;
                    await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                    OrderChanged();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}

using Palisade.Policy;

namespace Palisade.Client;

/// <summary>
/// A kind of enforcement point: what it does with the versions a registry proves. Everything else, which every point
/// needs alike, is the <see cref="EnforcementHost"/>'s: following the registry through the verified subscription, the
/// cache across restarts, the witness quorum, acknowledgements, retries and the clock of orders taking effect or
/// expiring. A new kind of point is one class implementing this and one CLI verb that runs it on a host.
/// </summary>
public interface IEnforcementPoint : IAsyncDisposable
{
    /// <summary>The signed versions the point follows: <see cref="SubscriptionFeed.Bundles"/>, or another feed of them such
    /// as <see cref="SubscriptionFeed.Delisting"/>.</summary>
    SubscriptionFeed Feed { get; }

    /// <summary>Prepares the point before any version is enforced and before the registry is followed: binds its
    /// addresses, declares its tables. The cached version, if any, is already in <paramref name="host"/>'s subscription.</summary>
    /// <param name="host">The host running the point: its subscription, clock and logging.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="EnforcementStartException">The point cannot run (an address in use, a table it may not create);
    /// the message says why, for the operator.</exception>
    Task StartAsync(EnforcementHost host, CancellationToken cancellationToken);

    /// <summary>
    /// Makes what the point enforces equal to <paramref name="policy"/> as in force now. The host calls it for the cached
    /// version, for each version swapped in, when an order of the policy takes effect or expires (at the time the last
    /// call returned), after a failure (after <see cref="EnforcementSettings.RetryInterval"/>), and at least every
    /// <see cref="EnforcementHost.MaxIdle"/>; calls never overlap. A point that already holds what it should returns at once.
    /// </summary>
    /// <param name="policy">The version verified last.</param>
    /// <param name="reason">Why the host calls.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    /// <returns>Whether the point holds <paramref name="policy"/> now (then the host acknowledges it), and when it next
    /// needs a call because an order takes effect or expires.</returns>
    Task<EnforceResult> EnforceAsync(CompiledPolicy policy, EnforceReason reason, CancellationToken cancellationToken);

    /// <summary>Writes the point's Prometheus metrics (text exposition format).</summary>
    void WriteMetrics(TextWriter writer);
}

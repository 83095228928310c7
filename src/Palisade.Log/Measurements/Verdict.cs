namespace Palisade.Log.Measurements;

/// <summary>What a measurement says of a resource, against what the log says should happen to it: the one vocabulary of
/// the probe that writes it and the registry that stores it (<see cref="Verdicts"/> spells it).</summary>
public enum Verdict
{
    /// <summary>Blocked as an order requires, and the user is told which order (an EDE naming it, or a 451 whose
    /// <c>blocked-by</c> link is its page).</summary>
    Enforced,

    /// <summary>Blocked as an order requires, but nothing tells the user why.</summary>
    EnforcedUnattributed,

    /// <summary>Reachable although an order is in force.</summary>
    NotEnforced,

    /// <summary>Blocked although no order in force covers it: collateral damage.</summary>
    OverBlocked,

    /// <summary>A resource no order covers, reachable.</summary>
    Accessible,

    /// <summary>The control failed too (the site is down), so the measurement says nothing.</summary>
    Error,
}

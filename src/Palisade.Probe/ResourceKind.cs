namespace Palisade.Probe;

/// <summary>Why a resource is measured.</summary>
public enum ResourceKind
{
    /// <summary>An order in force covers it (its target, or a URL or name the target covers).</summary>
    Ordered,

    /// <summary>Near an ordered target but not covered by any order: a parent or sibling name, or a control-list site
    /// whose address lies in an ordered prefix. Blocking it is collateral damage.</summary>
    Derived,

    /// <summary>From the control list: no order covers it.</summary>
    Control,
}

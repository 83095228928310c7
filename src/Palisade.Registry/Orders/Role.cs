namespace Palisade.Registry;

/// <summary>What an API key may do.</summary>
public enum Role
{
    /// <summary>Manages authorities and keys.</summary>
    Admin,

    /// <summary>Issues, amends and revokes the orders of its own authority.</summary>
    Authority,

    /// <summary>Reads operator feeds.</summary>
    Operator,

    /// <summary>Reads for audits.</summary>
    Auditor,
}

namespace Palisade.Client;

/// <summary>An enforcement point cannot start: its address is in use, its table cannot be created. The message is for
/// the operator and names what to fix; the CLI prints it and exits 4.</summary>
public sealed class EnforcementStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EnforcementStartException()
    {
    }

    /// <summary>Creates the exception with what failed.</summary>
    public EnforcementStartException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what failed and why.</summary>
    public EnforcementStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Palisade.Registry;

/// <summary>A registry setting or stored state that prevents the registry from starting; the message names it.</summary>
public sealed class RegistryConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RegistryConfigurationException()
    {
    }

    /// <summary>Creates the exception with the setting or state at fault.</summary>
    public RegistryConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the setting or state at fault and its cause.</summary>
    public RegistryConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Palisade.Firewall;

/// <summary>nft could not apply a script; the message carries nft's own.</summary>
public sealed class NftablesException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NftablesException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public NftablesException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public NftablesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

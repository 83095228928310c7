using Palisade.Core;

namespace Palisade.Log;

/// <summary>A signed note whose signatures do not verify against the trusted key.</summary>
public sealed class CryptographicNoteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CryptographicNoteException()
    {
    }

    /// <summary>Creates the exception with the reason.</summary>
    public CryptographicNoteException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and its cause.</summary>
    public CryptographicNoteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

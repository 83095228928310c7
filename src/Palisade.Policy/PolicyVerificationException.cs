using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>A bundle or delta failed verification (signature, hash, version order, log consistency or fit).</summary>
public sealed class PolicyVerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PolicyVerificationException()
    {
    }

    /// <summary>Creates the exception with a message saying what failed.</summary>
    public PolicyVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public PolicyVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

using Palisade.Core;

namespace Palisade.Log;

/// <summary>A log that does not verify: a bad signature, entries that do not hash to the signed root, tiles that
/// disagree with the entries, or a tree that does not extend an earlier checkpoint.</summary>
public sealed class LogVerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LogVerificationException()
    {
    }

    /// <summary>Creates the exception with what failed.</summary>
    public LogVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what failed and why.</summary>
    public LogVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>A version asked for is not published in the log (it is later than the latest, or was never published): the
/// request is wrong, not the log.</summary>
public sealed class VersionNotInLogException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public VersionNotInLogException()
    {
    }

    /// <summary>Creates the exception with a message naming the version and the latest one.</summary>
    public VersionNotInLogException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public VersionNotInLogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// Proof that a log showed two histories: two checkpoints, both signed by its key, that cannot both be true (a smaller
/// tree than one seen before, another root for the same size, or a larger tree that does not extend the entries
/// verified under the first).
/// </summary>
public sealed class LogForkException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LogForkException()
    {
    }

    /// <summary>Creates the exception with what failed.</summary>
    public LogForkException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what failed and why.</summary>
    public LogForkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the two signed checkpoints.</summary>
    public LogForkException(string message, string verifiedNote, string conflictingNote)
        : base(message)
    {
        VerifiedNote = verifiedNote;
        ConflictingNote = conflictingNote;
    }

    /// <summary>The checkpoint verified before (signed note).</summary>
    public string VerifiedNote { get; } = string.Empty;

    /// <summary>The checkpoint that contradicts it (signed note).</summary>
    public string ConflictingNote { get; } = string.Empty;
}

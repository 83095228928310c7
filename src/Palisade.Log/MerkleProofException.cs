using Palisade.Core;

namespace Palisade.Log;

/// <summary>An inclusion or consistency proof that does not verify; the message says which check failed.</summary>
public sealed class MerkleProofException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MerkleProofException()
    {
    }

    /// <summary>Creates the exception with the failed check.</summary>
    public MerkleProofException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the failed check and its cause.</summary>
    public MerkleProofException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

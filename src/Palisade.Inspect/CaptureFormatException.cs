namespace Palisade.Inspect;

/// <summary>The file is not a capture, or is damaged; the message names the offset and what was expected there.</summary>
public sealed class CaptureFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public CaptureFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CaptureFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CaptureFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for what was expected at an offset.</summary>
    public CaptureFormatException(long offset, string expected)
        : base($"at offset {offset}: expected {expected}")
    {
        Offset = offset;
    }

    /// <summary>Where in the file the problem is.</summary>
    public long Offset { get; }
}

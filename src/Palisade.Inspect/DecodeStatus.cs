namespace Palisade.Inspect;

/// <summary>What reading a frame, header or message gave.</summary>
public enum DecodeStatus
{
    /// <summary>Read.</summary>
    Ok,

    /// <summary>Well-formed so far, but more bytes are needed (a truncated capture, or a message continued later).</summary>
    Incomplete,

    /// <summary>Not what was expected: skipped.</summary>
    Invalid,

    /// <summary>Well-formed but not something Palisade reads (another protocol, a later IP fragment).</summary>
    Unsupported,
}

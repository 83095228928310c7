using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>A peer's response body is longer than the format it carries allows. It is an
/// <see cref="HttpRequestException"/>, so whoever treats an unreachable peer as failing treats this one so too.</summary>
public sealed class ResponseTooLargeException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    public ResponseTooLargeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ResponseTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ResponseTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the body of <paramref name="uri"/>.</summary>
    /// <param name="uri">What was fetched.</param>
    /// <param name="limit">The most bytes its format allows.</param>
    /// <param name="declared">The length the peer declared, or null when it ran past the limit while being read.</param>
    public ResponseTooLargeException(Uri? uri, long limit, long? declared)
        : base(declared is { } length
            ? $"{uri?.AbsolutePath ?? "the response"}: the peer declares a body of {length} bytes; it holds at most {limit}"
            : $"{uri?.AbsolutePath ?? "the response"}: the peer's body runs past {limit} bytes, the most it holds")
    {
        Limit = limit;
    }

    /// <summary>The most bytes the body may hold.</summary>
    public long Limit { get; }
}

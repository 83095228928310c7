using System.Text;

namespace Palisade.Inspect;

/// <summary>
/// Reads an HTTP/1.x request head (RFC 9112 §3): the request line <c>METHOD SP target SP HTTP/1.x</c> and the header
/// fields up to the empty line, for its Host and target; and how long the whole request is (head and a Content-Length
/// body), so the next request on the connection can be read.
/// </summary>
public static class HttpRequestHead
{
    /// <summary>Longest request head read.</summary>
    public const int MaxLength = 16 * 1024;

    private static readonly byte[][] Methods = [.. new[] { "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "PATCH", "TRACE", "PROPFIND", "SUBSCRIBE", "NOTIFY", "M-SEARCH" }
        .Select(m => Encoding.ASCII.GetBytes(m + " "))];

    /// <summary>True when <paramref name="data"/> starts like a request line (a known method and a space).</summary>
    public static bool LooksLikeRequest(ReadOnlySpan<byte> data)
    {
        foreach (byte[] method in Methods)
        {
            if (data.StartsWith(method))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads one request head. <paramref name="requestLength"/> is the head plus its Content-Length body (-1 when
    /// the body's length cannot be known: chunked).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static DecodeStatus TryRead(ReadOnlySpan<byte> data, out string? host, out string? target, out int requestLength)
    {
        (host, target, requestLength) = (null, null, 0);
        int end = data[..Math.Min(data.Length, MaxLength)].IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return data.Length >= MaxLength ? DecodeStatus.Invalid : DecodeStatus.Incomplete;
        }

        string head = Encoding.Latin1.GetString(data[..end]);
        string[] lines = head.Split("\r\n");
        // Runs of spaces between the parts are read as one, as tshark reads them ("GET        /path HTTP/1.1" would
        // otherwise hide the request's Host).
        string[] request = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (request.Length != 3 || !request[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || request[0].Length == 0)
        {
            return DecodeStatus.Invalid;
        }

        target = request[1];
        long body = 0;
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            ReadOnlySpan<char> field = line.AsSpan(0, colon).Trim();
            string value = line[(colon + 1)..].Trim(' ', '\t');
            if (field.Equals("Host", StringComparison.OrdinalIgnoreCase) && host is null)
            {
                // tshark reads a header value as a C string: a NUL ends it.
                host = NameText.Lower(Encoding.Latin1.GetBytes(value), nulEnds: true);
            }
            else if (field.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && long.TryParse(value, out long length) && length >= 0)
            {
                body = length;
            }
            else if (field.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                body = -1;
            }
        }

        requestLength = body < 0 || end + 4 + body > int.MaxValue ? -1 : end + 4 + (int)body;
        return DecodeStatus.Ok;
    }
}

using System.Text;
using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>
/// Reads a peer's HTTP response body with a bound checked while it is read: a declared <c>Content-Length</c> over the
/// bound is refused before a byte is read, and a body that runs past it (chunked, or longer than declared) is refused at
/// the first byte beyond. The caller must have asked for the headers only
/// (<see cref="HttpCompletionOption.ResponseHeadersRead"/>), or HttpClient buffers the whole body first.
/// </summary>
public static class ResponseBody
{
    private const int FirstBuffer = 16 * 1024;

    /// <summary>Reads the whole body, refusing one of more than <paramref name="limit"/> bytes.</summary>
    /// <exception cref="ResponseTooLargeException">The body is longer than the limit.</exception>
    public static async Task<byte[]> ReadBytesAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        Uri? uri = response.RequestMessage?.RequestUri;
        long? declared = response.Content.Headers.ContentLength;
        if (declared > limit)
        {
            throw new ResponseTooLargeException(uri, limit, declared.Value);
        }

        Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            byte[] buffer = new byte[(int)Math.Min(declared ?? FirstBuffer, limit) + 1];
            int filled = 0;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length > limit)
                    {
                        throw new ResponseTooLargeException(uri, limit, null);
                    }

                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, (long)limit + 1));
                }

                int read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return filled == buffer.Length ? buffer : buffer[..filled];
        }
    }

    /// <summary>Reads the whole body as UTF-8 text, refusing one of more than <paramref name="limit"/> bytes.</summary>
    /// <exception cref="ResponseTooLargeException">The body is longer than the limit.</exception>
    public static async Task<string> ReadStringAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await ReadBytesAsync(response, limit, cancellationToken).ConfigureAwait(false));

    /// <summary>GETs <paramref name="uri"/> (headers first) and reads a successful body of at most
    /// <paramref name="limit"/> bytes.</summary>
    /// <exception cref="HttpRequestException">The peer answered with a status other than success, or could not be
    /// reached.</exception>
    /// <exception cref="ResponseTooLargeException">The body is longer than the limit.</exception>
    public static async Task<byte[]> GetBytesAsync(HttpClient http, Uri uri, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using HttpResponseMessage response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await ReadBytesAsync(response, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="GetBytesAsync"/>, as UTF-8 text.</summary>
    public static async Task<string> GetStringAsync(HttpClient http, Uri uri, int limit, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await GetBytesAsync(http, uri, limit, cancellationToken).ConfigureAwait(false));
}

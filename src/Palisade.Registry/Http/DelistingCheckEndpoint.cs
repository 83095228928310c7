using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Palisade.Registry.Api;

namespace Palisade.Registry;

/// <summary>
/// <c>POST /v1/delisting/check</c>, open to anyone: a search engine sends URLs (a JSON array, or one per line) and gets,
/// for each, whether the version in force delists it. What one anonymous caller can take is bounded: the body
/// (<see cref="MaxBodyBytes"/>, refused while it is read), the URLs and their length
/// (<see cref="RegistryQueries.MaxDelistingUrls"/>, <see cref="RegistryQueries.MaxDelistingUrlLength"/>), the checks
/// running at once (<see cref="MaxConcurrentChecks"/>, with <see cref="MaxQueuedChecks"/> more waiting before 503 with
/// Retry-After), and the answer, which is written as it is made instead of being held whole.
/// </summary>
internal sealed class DelistingCheckEndpoint(RegistryService registry) : IDisposable
{
    /// <summary>The most bytes of a check's body: 10,000 URLs of about 400 characters.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>The most checks running at once; more wait in turn.</summary>
    public const int MaxConcurrentChecks = 4;

    /// <summary>The most checks waiting for their turn; beyond them a check is answered 503 with Retry-After.</summary>
    public const int MaxQueuedChecks = 64;

    /// <summary>How long a check waits for its turn before it is answered 503 with Retry-After.</summary>
    public static readonly TimeSpan MaxQueueWait = TimeSpan.FromSeconds(30);

    private const int FlushBytes = 32 * 1024;

    private readonly Turns _turns = new(MaxConcurrentChecks, MaxQueuedChecks, MaxQueueWait, Busy);

    public async Task HandleAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }

        // The turn is taken before the body is read: waiting checks hold a connection, not their URLs.
        using (await _turns.TakeAsync(context.RequestAborted).ConfigureAwait(false))
        {
            List<string?> urls = await ReadUrlsAsync(context).ConfigureAwait(false);
            IEnumerable<DelistingResult> results = registry.Queries.CheckDelisting(urls);
            context.Response.ContentType = "application/json; charset=utf-8";
            // The writer commits to the response's pipe (no I/O); the pipe is flushed to the client every few answers.
            System.IO.Pipelines.PipeWriter body = context.Response.BodyWriter;
            using (var writer = new Utf8JsonWriter(body))
            {
                writer.WriteStartArray();
                long unflushed = 0;
                foreach (DelistingResult result in results)
                {
                    JsonSerializer.Serialize(writer, result, RegistryJsonContext.Default.DelistingResult);
                    if (writer.BytesCommitted - unflushed >= FlushBytes)
                    {
                        unflushed = writer.BytesCommitted;
                        await body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    }
                }

                writer.WriteEndArray();
                writer.Flush();
            }

            await body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    public void Dispose() => _turns.Dispose();

    private static async Task<List<string?>> ReadUrlsAsync(HttpContext context)
    {
        byte[] body = await RegistryEndpoints.ReadBytes(context, MaxBodyBytes, TooLarge).ConfigureAwait(false);
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            if (body.Length == 0)
            {
                throw RegistryProblem.Invalid("body", "the request needs a JSON body");
            }

            return JsonSerializer.Deserialize(body, RegistryJsonContext.Default.ListString) is { } list
                ? [.. list]
                : throw RegistryProblem.Invalid("body", "the request body is JSON null");
        }

        // One URL per line (text/plain), blank lines skipped; the body bounds the lines, and the check counts them.
        var urls = new List<string?>();
        ReadOnlySpan<byte> rest = body;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (line.EndsWith("\r"u8))
            {
                line = line[..^1];
            }

            if (!line.IsEmpty)
            {
                urls.Add(Encoding.UTF8.GetString(line));
            }
        }

        return urls;
    }

    private static RegistryProblem TooLarge() => new(413, "content-too-large", "Request content too large",
        $"a delisting check's body holds at most {MaxBodyBytes} bytes ({RegistryQueries.MaxDelistingUrls} URLs of at most {RegistryQueries.MaxDelistingUrlLength} characters); send the rest in further checks");

    private static RegistryProblem Busy() => new(503, "busy", "Too many delisting checks at once",
        $"at most {MaxConcurrentChecks} delisting checks run at once and {MaxQueuedChecks} wait; try again shortly") { RetryAfterSeconds = 1 };
}

using System.Net.Http.Headers;

namespace Palisade.Client;

/// <summary>
/// The one place an HTTP client to a registry (or a witness) is made, with the timeouts every caller chooses from by
/// purpose. Peers' bodies are read with <see cref="ResponseBody"/>, within the bound of what they carry.
/// </summary>
public static class RegistryHttp
{
    /// <summary>One request of the API or the log: an order, a tile, a checkpoint, an acknowledgement.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A request that may move much: a whole bundle of a national policy, an import of a register, an audit's
    /// downloads.</summary>
    public static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Fetching the key a registry publishes when no key is pinned yet (the point cannot start without it).</summary>
    public static readonly TimeSpan FirstKeyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Comparing a pinned key with the one the registry publishes (a point that cannot reach it starts anyway).</summary>
    public static readonly TimeSpan KeyCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Makes a client.</summary>
    /// <param name="timeout">One of the timeouts above, or a caller's own named one.</param>
    /// <param name="baseAddress">The registry's base URL, for relative requests (null: absolute requests only).</param>
    /// <param name="followRedirects">False to read a redirect's <c>Location</c> instead of following it (the latest
    /// version's number, from <c>/v1/bundles/latest</c>).</param>
    /// <param name="bearerKey">An API key sent as <c>Authorization: Bearer</c> (null: none).</param>
    /// <param name="handler">A handler to send through instead of the default one (tests); it is not disposed with the
    /// client.</param>
    /// <param name="maxBufferedResponse">The most bytes of a response body the client buffers (null: the default).</param>
    public static HttpClient Create(TimeSpan timeout, Uri? baseAddress = null, bool followRedirects = true, string? bearerKey = null,
        HttpMessageHandler? handler = null, int? maxBufferedResponse = null)
    {
        HttpClient http = handler is null
            ? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = followRedirects }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        http.Timeout = timeout;
        http.BaseAddress = baseAddress;
        if (maxBufferedResponse is int max)
        {
            http.MaxResponseContentBufferSize = max;
        }

        if (bearerKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerKey);
        }

        return http;
    }
}

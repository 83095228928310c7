using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>
/// The registry's HTTP API as the clerk's commands use it: JSON in and out, the API key as a bearer token, and every
/// refusal turned into a <see cref="CommandFailedException"/> carrying the RFC 9457 problem's field and detail and the
/// exit code of docs/cli.md (2 for a refused value, 4 for a refused key, 3 for an unreachable or failing registry).
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    private readonly HttpClient _http;

    private RegistryClient(Uri baseUrl, string? key)
    {
        BaseUrl = baseUrl;
        _http = RegistryHttp.Create(RegistryHttp.TransferTimeout, baseUrl, bearerKey: key);
    }

    /// <summary>The registry's base URL.</summary>
    public Uri BaseUrl { get; }

    /// <summary>A client for <paramref name="registry"/>; <paramref name="key"/> falls back to PALISADE_KEY, and is
    /// required when <paramref name="keyRequired"/>.</summary>
    /// <exception cref="CommandFailedException">The URL is not an absolute http(s) URL, or a required key is missing
    /// (usage errors).</exception>
    public static RegistryClient Open(string? registry, string? key, bool keyRequired)
    {
        if (registry is null || !Uri.TryCreate(registry.EndsWith('/') ? registry : registry + "/", UriKind.Absolute, out Uri? baseUrl)
            || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new CommandFailedException(ExitCodes.Usage, $"--registry '{registry}' is not an absolute http(s) URL");
        }

        key ??= Environment.GetEnvironmentVariable("PALISADE_KEY") is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        if (keyRequired && key is null)
        {
            throw new CommandFailedException(ExitCodes.Usage, "this command needs an API key: --key KEY or the PALISADE_KEY environment variable");
        }

        return new RegistryClient(baseUrl, key);
    }

    /// <summary>GETs a JSON document.</summary>
    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) => (await SendAsync(HttpMethod.Get, path, null, cancellationToken, notFoundIsNull: false).ConfigureAwait(false))!;

    /// <summary>GETs a JSON document; null when the registry answers 404 (there is no such resource).</summary>
    public Task<JsonNode?> GetOrNullAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken, notFoundIsNull: true);

    /// <summary>Sends a request and returns the JSON answer (an empty object for 204).</summary>
    /// <exception cref="CommandFailedException">The registry refused the request or cannot be reached.</exception>
    public async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken) =>
        (await SendAsync(method, path, body, cancellationToken, notFoundIsNull: false).ConfigureAwait(false))!;

    private async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, bool notFoundIsNull)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CommandFailedException(ExitCodes.Unavailable, $"cannot reach the registry at {BaseUrl}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException(ExitCodes.Unavailable, $"the registry at {BaseUrl} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            JsonNode? json = null;
            try
            {
                json = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // Not JSON: reported below with the status.
            }

            if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (response.IsSuccessStatusCode)
            {
                return json ?? throw new CommandFailedException(ExitCodes.Unavailable, $"the registry answered {method} {path} with {(int)response.StatusCode} but not with JSON");
            }

            throw Refusal(response.StatusCode, json, text);
        }
    }

    /// <summary>Reads a refusal's problem document (at most <see cref="MaxProblemBytes"/>) and returns its failure.</summary>
    internal static async Task<CommandFailedException> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text = await ResponseBody.ReadStringAsync(response, MaxProblemBytes, cancellationToken).ConfigureAwait(false);
        JsonNode? problem = null;
        try
        {
            problem = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            // Not JSON: the failure quotes the text.
        }

        return Refusal(response.StatusCode, problem, text);
    }

    /// <summary>The most bytes of a refusal's problem document read.</summary>
    internal const int MaxProblemBytes = 64 * 1024;

    /// <summary>The failure for a problem answer: the field and detail it names, and the exit code its status maps to.</summary>
    internal static CommandFailedException Refusal(HttpStatusCode status, JsonNode? problem, string text)
    {
        string? detail = problem?["detail"]?.GetValue<string>() ?? problem?["title"]?.GetValue<string>();
        string? field = problem?["field"]?.GetValue<string>();
        string message = $"the registry answered {(int)status}: {(field is null ? "" : field + ": ")}{detail ?? Shorten(text)}";
        int code = (int)status switch
        {
            401 or 403 => ExitCodes.ConfigurationError,
            >= 400 and < 500 => ExitCodes.InvalidInput,
            _ => ExitCodes.Unavailable,
        };
        return new CommandFailedException(code, message);
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}

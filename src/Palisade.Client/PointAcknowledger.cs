using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Log;
using Palisade.Core;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>
/// Sends an enforcement point's signed acknowledgements (<see cref="Acknowledgement"/>) to the registry: "this point
/// enforces version N, whose bundle hashes to H". The point's key is a signed-note key named <c>operator/point</c>
/// (as <c>palisade point create</c> writes it).
/// </summary>
public sealed partial class PointAcknowledger(HttpClient http, Uri registry, NoteSigner key, ILogger? logger = null, TimeProvider? time = null)
{
    /// <summary>The most bytes of a refusal's problem document read from the registry.</summary>
    public const int MaxAnswerBytes = 64 * 1024;

    private readonly Uri _registry = registry.AbsoluteUri.EndsWith('/') ? registry : new Uri(registry.AbsoluteUri + "/");
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private long _lastTime;

    /// <summary>The point's id: the last segment of its key's name.</summary>
    public string Point => key.Name[(key.Name.LastIndexOf('/') + 1)..];

    /// <summary>Acknowledgements the registry accepted.</summary>
    public long Accepted { get; private set; }

    /// <summary>Why the last acknowledgement failed; null after a success.</summary>
    public string? LastError { get; private set; }

    /// <summary>Signs and sends the acknowledgement of <paramref name="bundle"/>; true when the registry recorded it.</summary>
    public async Task<bool> AcknowledgeAsync(PolicyBundle bundle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return await AcknowledgeAsync(bundle.Registry, bundle.Version, SHA256.HashData(bundle.ToBytes()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Signs and sends an acknowledgement of version <paramref name="version"/> with bundle hash
    /// <paramref name="bundleSha256"/>; true when the registry recorded it.</summary>
    public async Task<bool> AcknowledgeAsync(string origin, ulong version, byte[] bundleSha256, CancellationToken cancellationToken = default)
    {
        long signed;
        lock (_gate)
        {
            // Signed times only go forward, so the registry never takes one of them for a replay.
            signed = _lastTime = Math.Max(_time.GetUtcNow().ToUnixTimeSeconds(), _lastTime + 1);
        }

        string statement = new Acknowledgement(Point, origin, version, bundleSha256, signed).Sign(key);
        try
        {
            using var content = new StringContent(statement, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_registry, "v1/acks")) { Content = content };
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Accepted++;
                LastError = null;
                LogAcknowledged(_logger, Point, version);
                return true;
            }

            string body = await ResponseBody.ReadStringAsync(response, MaxAnswerBytes, cancellationToken).ConfigureAwait(false);
            LastError = $"{(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LastError = e.Message;
        }

        LogRefused(_logger, Point, version, LastError);
        return false;
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Point {Point} acknowledged version {Version}")]
    private static partial void LogAcknowledged(ILogger logger, string point, ulong version);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Point {Point} could not acknowledge version {Version}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string point, ulong version, string? reason);
}

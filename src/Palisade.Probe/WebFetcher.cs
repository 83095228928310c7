using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Palisade.Probe;

/// <summary>
/// Fetches a URL from one address the way a browser's first request goes: TCP connect to the address, for https a TLS
/// handshake with the URL's host as SNI (verified against the system's roots, or the roots given), then one HTTP/1.1
/// GET, reading the head and the first <see cref="MaxBody"/> bytes of the body. Redirects are not followed: a redirect
/// to a block page is itself the evidence. With a local address, connections leave from it (the control's own path).
/// </summary>
public sealed class WebFetcher(TimeSpan timeout, X509Certificate2Collection? trustedRoots = null, IPAddress? localAddress = null)
{
    /// <summary>Most body bytes read.</summary>
    public const int MaxBody = 64 * 1024;

    /// <summary>Fetches <paramref name="url"/> from <paramref name="address"/>.</summary>
    public async Task<WebResult> FetchAsync(Uri url, IPAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var endPoint = new IPEndPoint(address, url.Port);
        bool https = url.Scheme == Uri.UriSchemeHttps;
        var clock = Stopwatch.StartNew();
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (localAddress is not null && localAddress.AddressFamily == address.AddressFamily)
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endPoint, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            string failure = Failure(e);
            return new WebResult { EndPoint = endPoint, ConnectFailure = failure, HttpFailure = failure, ConnectSeconds = clock.Elapsed.TotalSeconds, HttpSeconds = clock.Elapsed.TotalSeconds };
        }

        double connected = clock.Elapsed.TotalSeconds;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        string? tlsVersion = null;
        if (https)
        {
            SslPolicyErrors seen = SslPolicyErrors.None;
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, chain, errors) =>
            {
                seen = errors;
                return Validate(certificate, chain, errors);
            });
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = url.IdnHost,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                }, deadline.Token).ConfigureAwait(false);
                tlsVersion = tls.SslProtocol switch
                {
                    SslProtocols.Tls13 => "TLSv1.3",
                    SslProtocols.Tls12 => "TLSv1.2",
                    _ => tls.SslProtocol.ToString(),
                };
            }
            catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                string failure = e is not AuthenticationException ? Failure(e)
                    : (seen & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 ? "ssl_invalid_hostname"
                    : (seen & SslPolicyErrors.RemoteCertificateChainErrors) != 0 ? "ssl_unknown_authority"
                    : e.InnerException is { } inner ? Failure(inner) : "ssl_failed_handshake";
                return new WebResult
                {
                    EndPoint = endPoint, ServerName = url.IdnHost, TlsFailure = failure, HttpFailure = failure, ConnectSeconds = connected, HttpSeconds = clock.Elapsed.TotalSeconds,
                };
            }

            stream = tls;
        }

        await using (stream.ConfigureAwait(false))
        {
            try
            {
                string request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUser-Agent: palisade-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(request), deadline.Token).ConfigureAwait(false);
                (HttpHead head, byte[] body, bool truncated) = await ReadResponseAsync(stream, deadline.Token).ConfigureAwait(false);
                return new WebResult
                {
                    EndPoint = endPoint, ServerName = https ? url.IdnHost : null, TlsVersion = tlsVersion, Head = head, Body = body, BodyTruncated = truncated,
                    ConnectSeconds = connected, HttpSeconds = clock.Elapsed.TotalSeconds,
                };
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new WebResult
                {
                    EndPoint = endPoint, ServerName = https ? url.IdnHost : null, TlsVersion = tlsVersion, HttpFailure = e is FormatException ? "http_invalid_response" : Failure(e),
                    ConnectSeconds = connected, HttpSeconds = clock.Elapsed.TotalSeconds,
                };
            }
        }
    }

    private static async Task<(HttpHead, byte[], bool)> ReadResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[HttpHead.MaxLength + MaxBody];
        int filled = 0, headEnd = -1;
        while (filled < buffer.Length)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
            if (headEnd < 0)
            {
                headEnd = HttpHead.FindEnd(buffer.AsSpan(0, Math.Min(filled, HttpHead.MaxLength + 4)));
                if (headEnd < 0 && filled >= HttpHead.MaxLength)
                {
                    throw new FormatException("the response head is too long");
                }
            }

            if (headEnd >= 0 && filled - headEnd >= MaxBody)
            {
                break;
            }
        }

        if (filled == 0)
        {
            throw new IOException("eof_error");
        }

        HttpHead head = HttpHead.Parse(buffer.AsSpan(0, filled));
        int bodyLength = Math.Min(filled - head.Length, MaxBody);
        bool truncated = filled - head.Length >= MaxBody;
        return (head, buffer.AsSpan(head.Length, bodyLength).ToArray(), truncated);
    }

    private bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (trustedRoots is null || certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        // Chain to the roots the probe was given (--ca-file), such as a test CA.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }

    /// <summary>A network failure as OONI names it (df-007 errors).</summary>
    internal static string Failure(Exception e) => e switch
    {
        OperationCanceledException or TimeoutException => "generic_timeout_error",
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection_refused",
        SocketException { SocketErrorCode: SocketError.ConnectionReset } => "connection_reset",
        SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable } => "host_unreachable",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "generic_timeout_error",
        IOException { InnerException: SocketException inner } => Failure(inner),
        IOException { Message: "eof_error" } => "eof_error",
        IOException => "connection_reset",
        _ => "unknown_failure " + e.GetType().Name,
    };
}

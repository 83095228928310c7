using System.Net;

namespace Palisade.Registry.Tests;

/// <summary>A man in the middle between a client and the real registry: rewrites the bodies of chosen paths, or
/// answers a path itself.</summary>
internal sealed class TamperingHandler : DelegatingHandler
{
    public TamperingHandler()
        : base(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
    }

    /// <summary>Body rewrites by path (and query) as the client asks for it.</summary>
    public Dictionary<string, Func<byte[], byte[]>> Bodies { get; } = [];

    /// <summary>Redirects by path: the client is sent elsewhere.</summary>
    public Dictionary<string, string> Redirects { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string path = request.RequestUri!.AbsolutePath;
        if (Redirects.TryGetValue(path, out string? target))
        {
            var redirect = new HttpResponseMessage(HttpStatusCode.Found) { RequestMessage = request };
            redirect.Headers.Location = new Uri(target, UriKind.Relative);
            return redirect;
        }

        HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
        if (Bodies.TryGetValue(path, out Func<byte[], byte[]>? rewrite))
        {
            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var content = new ByteArrayContent(rewrite(body));
            foreach (var header in response.Content.Headers)
            {
                if (header.Key != "Content-Length")
                {
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            response.Content = content;
        }

        return response;
    }
}

using System.Text;
using System.Text.Encodings.Web;

namespace Palisade.Registry.Portal;

/// <summary>Server-rendered pages: one accessible layout (landmarks, headings, a labelled search form, readable on a
/// phone) and HTML-encoding of every value. English for now; every visible string passes through here.</summary>
internal sealed class Html
{
    private readonly StringBuilder _body = new();

    /// <summary>The layout's style sheet, inline and allowed by its hash.</summary>
    internal const string StyleSheet =
        "body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;color:#111}" +
        "header,main,footer{max-width:60rem;margin:0 auto;padding:0 1rem}" +
        "header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-bottom:1px solid #ccc}" +
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}" +
        "code{word-break:break-all}input[type=search]{font-size:1rem;padding:.3rem;min-width:16rem}" +
        "a:focus,input:focus,button:focus{outline:3px solid #0a58ca}";

    /// <summary>
    /// What the pages may load and run (CSP Level 3): nothing from anywhere, except the inline style sheet and the order
    /// page's proof checker, each allowed by its SHA-256, requests to its own origin, forms that submit to the registry,
    /// and no framing at all.
    /// An injected script or style, even one that slipped past the encoder, does not run.
    /// </summary>
    public static string ContentSecurityPolicy(string formAction = "'self'") =>
        $"default-src 'none'; script-src '{s_scriptHash}'; style-src '{s_styleHash}'; connect-src 'self'; form-action {formAction}; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>Sets the security headers of a page: the policy, no MIME sniffing, no referrer to other sites, no framing.</summary>
    public static void SetSecurityHeaders(Microsoft.AspNetCore.Http.HttpResponse response, string formAction = "'self'")
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(formAction);
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
    }

    private static readonly string s_scriptHash = Hash(PortalEndpoints.ProofScript);
    private static readonly string s_styleHash = Hash(StyleSheet);

    private static string Hash(string source) => "sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(source)));

    // Every script stays readable in the page source: only markup characters are escaped.
    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    public static string Encode(string? text) => s_encoder.Encode(text ?? "");

    /// <summary>Appends markup that is already safe (built from encoded parts).</summary>
    public Html Raw(string markup)
    {
        _body.Append(markup);
        return this;
    }

    /// <summary>Appends text, encoded.</summary>
    public Html Text(string? text)
    {
        _body.Append(Encode(text));
        return this;
    }

    /// <summary>The whole page; <paramref name="site"/> prefixes the layout's links (the block page links back to the registry).</summary>
    public string Page(string title, string? query = null, string site = "") => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{Encode(title)}} — Palisade registry</title>
        <style>{{StyleSheet}}</style>
        <link rel="alternate" type="application/atom+xml" href="{{Encode(site)}}/feed.atom" title="New, amended and revoked orders">
        </head>
        <body>
        <header>
        <p><a href="{{Encode(site)}}/">Palisade registry</a></p>
        <form role="search" action="{{Encode(site)}}/search" method="get">
        <label for="q">Search a domain, URL, IP address or order reference</label>
        <input type="search" id="q" name="q" value="{{Encode(query)}}">
        <button type="submit">Search</button>
        </form>
        </header>
        <main id="main">
        <h1>{{Encode(title)}}</h1>
        {{_body}}
        </main>
        <footer><p><a href="{{Encode(site)}}/verify">Verify this registry yourself</a> · <a href="{{Encode(site)}}/openapi.json">API</a> · <a href="{{Encode(site)}}/log/checkpoint">Signed checkpoint</a></p></footer>
        </body>
        </html>
        """;
}

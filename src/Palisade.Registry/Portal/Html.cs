using System.Text;
using System.Text.Encodings.Web;

namespace Palisade.Registry.Portal;

/// <summary>Server-rendered pages: one accessible layout (landmarks, headings, a labelled search form, readable on a
/// phone) and HTML-encoding of every value, in the language of the request (<see cref="PortalLanguage"/>).</summary>
internal sealed class Html(PortalLanguage? language = null)
{
    private readonly StringBuilder _body = new();

    /// <summary>The language of the page.</summary>
    public PortalLanguage Language { get; } = language ?? PortalLanguage.English;

    /// <summary>The markup appended so far.</summary>
    public string Body => _body.ToString();

    /// <summary>Appends the text of a resource key, encoded.</summary>
    public Html T(string key) => Text(Language[key]);

    /// <summary>Appends the text of a resource key, encoded, with its placeholders replaced by markup.</summary>
    public Html M(string key, params string[] markup) => Raw(Language.Markup(key, markup));

    /// <summary>The layout's style sheet, inline and allowed by its hash.</summary>
    internal const string StyleSheet =
        "body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;color:#111}" +
        "header,main,footer{max-width:60rem;margin:0 auto;padding:0 1rem}" +
        "header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-bottom:1px solid #ccc}" +
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}" +
        "code{word-break:break-all}input[type=search]{font-size:1rem;padding:.3rem;min-width:16rem}" +
        "a:focus,input:focus,button:focus{outline:3px solid #0a58ca}" +
        "nav.lang ul{list-style:none;display:flex;gap:.8rem;padding:0;margin:0}nav.lang a[aria-current]{font-weight:bold}" +
        ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}" +
        "figure{margin:1rem 0}figure svg{max-width:40rem;height:auto}svg text{font:12px system-ui,sans-serif;fill:#111}";

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

    /// <summary>The whole page; <paramref name="site"/> prefixes the layout's links (the block page links back to the
    /// registry); <paramref name="here"/> is the page's own path and query, which the language switcher links to.</summary>
    public string Page(string title, string? query = null, string site = "", string? here = null)
    {
        PortalLanguage l = Language;
        var switcher = new StringBuilder();
        foreach (PortalLanguage other in PortalLanguage.All)
        {
            string target = here is null ? $"{site}/?lang={other.Code}" : here + (here.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lang=" + other.Code;
            switcher.Append("<li><a href=\"").Append(Encode(target)).Append("\" lang=\"").Append(other.Code).Append("\" hreflang=\"").Append(other.Code).Append('"')
                .Append(other == l ? " aria-current=\"true\"" : "").Append('>').Append(Encode(other.Name)).Append("</a></li>");
        }

        return $$"""
            <!DOCTYPE html>
            <html lang="{{l.Code}}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Encode(title)}} — {{Encode(l["SiteName"])}}</title>
            <style>{{StyleSheet}}</style>
            <link rel="alternate" type="application/atom+xml" href="{{Encode(site)}}/feed.atom" title="{{Encode(l["FeedTitle"])}}">
            </head>
            <body>
            <header>
            <p><a href="{{Encode(site)}}/">{{Encode(l["SiteName"])}}</a></p>
            <form role="search" action="{{Encode(site)}}/search" method="get">
            <label for="q">{{Encode(l["SearchLabel"])}}</label>
            <input type="search" id="q" name="q" value="{{Encode(query)}}">
            <button type="submit">{{Encode(l["SearchButton"])}}</button>
            </form>
            <nav class="lang" aria-label="{{Encode(l["Language"])}}"><ul>{{switcher}}</ul></nav>
            </header>
            <main id="main">
            <h1>{{Encode(title)}}</h1>
            {{_body}}
            </main>
            <footer><p><a href="{{Encode(site)}}/verify">{{Encode(l["FooterVerify"])}}</a> · <a href="{{Encode(site)}}/openapi.json">{{Encode(l["FooterApi"])}}</a> · <a href="{{Encode(site)}}/log/checkpoint">{{Encode(l["SignedCheckpoint"])}}</a> · <a href="{{Encode(site)}}/feed.atom">{{Encode(l["AtomFeed"])}}</a> · <a href="{{Encode(site)}}/console">{{Encode(l["ConsoleLink"])}}</a></p></footer>
            </body>
            </html>
            """;
    }
}

using System.Text;
using Microsoft.AspNetCore.Builder;
using Palisade.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Palisade.Registry.Api;

namespace Palisade.Registry.Portal;

/// <summary>
/// The block page (RFC 7725): plain HTTP on its own address, answering any Host with 451 Unavailable For Legal Reasons,
/// a <c>Link: &lt;order page&gt;; rel="blocked-by"</c> header and a page naming the order, the authority, the legal
/// basis and how to appeal. The DNS server's block-page action sends users here. It never terminates TLS: an https
/// request for a blocked name fails at the connection, and only plain http reaches this page.
/// </summary>
public sealed class BlockPageHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BlockPageHost(WebApplication app) => _app = app;

    /// <summary>The addresses it listens on, after start.</summary>
    public IReadOnlyList<string> Addresses =>
        [.. _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];

    /// <summary>Starts the block page on <paramref name="urls"/> (port 0 picks a free port).</summary>
    public static async Task<BlockPageHost> StartAsync(RegistryService registry, IReadOnlyList<string> urls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls([.. urls]);
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.Run(context => Answer(registry, context));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new BlockPageHost(app);
    }

    private static async Task Answer(RegistryService registry, HttpContext context)
    {
        string host = context.Request.Host.Host;
        string url = "http://" + host + context.Request.Path + context.Request.QueryString;
        // Every order in force that covers the request, each once, most specific first.
        List<LookupMatch> matches = [];
        try
        {
            matches = [.. registry.Queries.Lookup(null, url, null).Matches.DistinctBy(m => m.Order, StringComparer.Ordinal)];
        }
        catch (RegistryProblem)
        {
            // Not a URL we can look up (an IP literal with a zone, a malformed Host): the page still says why in general.
        }

        // The block page speaks the language the browser asks for (Accept-Language, or ?lang=).
        var html = new Html(PortalLanguage.Of(context));
        PortalLanguage l = html.Language;
        string title;
        string hostMarkup = "<code>" + Html.Encode(host) + "</code>";
        if (matches.Count == 0)
        {
            title = l["BlockedTitle"];
            html.Raw("<p>").M("BlockedNoOrder", hostMarkup).Raw("</p>");
        }
        else
        {
            title = l["UnavailableTitle"];
            var links = new List<string>();
            List<AuthorityView> authorities = registry.Authorities.ListAuthorities();
            foreach (LookupMatch match in matches)
            {
                links.Add(Order(registry, html, l, match, hostMarkup, authorities));
            }

            context.Response.Headers.Link = string.Join(", ", links.Select(page => $"<{page}>; rel=\"blocked-by\""));
        }

        context.Response.Headers.ContentLanguage = l.Code;
        context.Response.Headers.Vary = "Accept-Language";
        Html.SetSecurityHeaders(context.Response, new Uri(registry.PublicUrl).GetLeftPart(UriPartial.Authority));
        context.Response.StatusCode = StatusCodes.Status451UnavailableForLegalReasons;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(html.Page(title, site: registry.PublicUrl.TrimEnd('/'), here: context.Request.Path.Value ?? "/"), Encoding.UTF8).ConfigureAwait(false);
    }

    /// <summary>Writes what one order says about the blocked request (by whom, on what basis, how to appeal); returns
    /// the order's page URL.</summary>
    private static string Order(RegistryService registry, Html html, PortalLanguage l, LookupMatch match, string hostMarkup, List<AuthorityView> authorities)
    {
        var reference = OrderReference.Parse(match.Order);
        OrderView order = registry.Queries.GetOrder(reference.Authority, reference.Decision, targetLimit: 1, entryData: false)!;
        string page = reference.PageUrl(registry.PublicUrl);
        AuthorityView? authority = authorities.Find(a => a.Id == order.Authority);
        string contact = authority?.Url ?? page;
        html.Raw("<p>").M("BlockedBy", hostMarkup, "<a href=\"" + Html.Encode(page) + "\">" + Html.Encode(order.Reference) + "</a>").Raw("</p><dl>")
            .Raw("<dt>").T("Authority").Raw("</dt><dd>").Text(authority?.Name ?? order.Authority).Raw("</dd>")
            .Raw("<dt>").T("IssuedBy").Raw("</dt><dd>").Text(order.IssuingBody).Raw("</dd>")
            .Raw("<dt>").T("LegalBasis").Raw("</dt><dd>").Text(order.LegalBasis).Raw("</dd>")
            .Raw("<dt>").T("Decision").Raw("</dt><dd>").Text(order.Decision + ", " + order.DecisionDate).Raw("</dd>")
            .Raw("<dt>").T("MatchedTarget").Raw("</dt><dd>");
        PortalEndpoints.Target(html, match.Target).Raw("</dd></dl>")
            .Raw("<h2>").T("HowToAppeal").Raw("</h2><p>")
            .M("AppealText", Html.Encode(order.IssuingBody), Html.Encode(order.LegalBasis), "<a href=\"" + Html.Encode(contact) + "\">" + Html.Encode(contact) + "</a>").Raw("</p>");
        return page;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

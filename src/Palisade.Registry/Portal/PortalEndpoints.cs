using Palisade.Log;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Palisade.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Palisade.Registry.Api;

namespace Palisade.Registry.Portal;

/// <summary>
/// The public portal, server-rendered: the latest checkpoint and counts, search by domain, URL, IP address or order
/// reference (each match says how it matches), order pages with their history and inclusion proofs (checked in the
/// browser by a small script), authority pages, and how to verify the log. Search results download as CSV or JSON.
/// </summary>
internal static class PortalEndpoints
{
    public static void Map(WebApplication app, RegistryService registry)
    {
        app.MapGet("/", (HttpContext context) => Home(registry, context));
        app.MapGet("/feed.atom", (HttpContext context) => AtomFeed.Serve(registry, context));
        app.MapGet("/search", (HttpContext context) => Search(registry, context));
        app.MapGet("/search.csv", (HttpContext context) => SearchCsv(registry, context));
        app.MapGet("/search.json", (HttpContext context) =>
            Results.Json(Lookup(registry, context.Request.Query["q"].ToString()), RegistryJsonContext.Default.LookupResult));
        app.MapGet("/orders", (HttpContext context) => OrderList(registry, context));
        app.MapGet("/orders.csv", (HttpContext context) => OrdersCsv(registry, context));
        app.MapGet("/orders.json", (HttpContext context) =>
            Results.Json(AllOrders(registry, context.Request.Query["authority"]).ToList(), RegistryJsonContext.Default.ListOrderSummary));
        app.MapGet("/orders/{**rest}", (HttpContext context) => OrderPage(registry, context));
        app.MapGet("/authorities/{id}", (string id, HttpContext context) => AuthorityPage(registry, id, context));
        app.MapGet("/verify", (HttpContext context) => VerifyPage(registry, context));
        app.MapGet("/mirrors", (HttpContext context) => MirrorsPage(registry, context));
        app.MapGet("/operators", (HttpContext context) => OperatorsPage(registry, context));
        app.MapGet("/operators/{id}", (string id, HttpContext context) => OperatorPage(registry, id, context));
        app.MapGet("/mirror", (HttpContext context) => MirrorPage(registry, context));
        PortalCharts.Map(app, registry);
        AuthorityConsole.Map(app, registry);
    }

    /// <summary>The public page of an order, as links and EDE texts write it.</summary>
    public static string OrderPath(string authority, string decision) => new OrderReference(authority, decision).PagePath;

    /// <summary>A page for the request's language.</summary>
    internal static Html Page(HttpContext context) => new(PortalLanguage.Of(context));

    /// <summary>The page's own path and query without <c>lang</c>, which the language switcher links to.</summary>
    private static string Here(HttpContext context)
    {
        string path = context.Features.Get<IHttpRequestFeature>()?.RawTarget?.Split('?')[0] ?? context.Request.Path.Value ?? "/";
        string query = string.Join('&', context.Request.Query.Where(q => q.Key != "lang")
            .SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? ""))));
        return query.Length == 0 ? path : path + "?" + query;
    }

    internal static IResult HtmlResult(HttpContext context, Html html, string title, string? query = null, int status = 200)
    {
        context.Response.Headers.Vary = "Accept-Language, Cookie";
        context.Response.Headers.ContentLanguage = html.Language.Code;
        return Results.Content(html.Page(title, query, here: Here(context)), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>A target as written, with its Unicode form beside the A-label when it has one (isolated, so that a
    /// right-to-left name does not reorder the text around it).</summary>
    internal static Html Target(Html html, string value)
    {
        html.Raw("<code>").Text(value).Raw("</code>");
        if (OrderTarget.UnicodeForm(value) is { } unicode)
        {
            html.Raw(" <span class=\"unicode\">(").M("UnicodeForm", "<bdi>" + Html.Encode(unicode) + "</bdi>").Raw(")</span>");
        }

        return html;
    }

    private static IResult Home(RegistryService registry, HttpContext context)
    {
        LogState state = registry.Log.State;
        Html html = Page(context);
        PortalLanguage l = html.Language;
        html.Raw("<section aria-labelledby=\"log\"><h2 id=\"log\">").T("TheLog").Raw("</h2><p>")
            .M("LogSummary", "<strong>" + Html.Encode(l.Number((long)state.Checkpoint.Size)) + "</strong>", "<code>" + Html.Encode(Convert.ToBase64String(state.Checkpoint.RootHash)) + "</code>",
                "<code>" + Html.Encode(registry.Log.VerifierKey) + "</code>")
            .Raw("</p></section>");
        html.Raw("<section aria-labelledby=\"counts\"><h2 id=\"counts\">").T("OrdersInForce").Raw("</h2><table><caption>").T("CountsCaption").Raw("</caption><thead><tr>")
            .Raw("<th scope=\"col\">").T("Authority").Raw("</th><th scope=\"col\">").T("Category").Raw("</th><th scope=\"col\">").T("Orders").Raw("</th><th scope=\"col\">").T("Targets")
            .Raw("</th></tr></thead><tbody>");
        foreach (RegistryQueries.ActiveCount count in registry.Queries.ActiveCounts())
        {
            html.Raw("<tr><td><a href=\"/authorities/").Text(Uri.EscapeDataString(count.Authority)).Raw("\">").Text(count.Authority).Raw("</a></td><td>")
                .Text(count.Category).Raw("</td><td>").Text(l.Number(count.Orders)).Raw("</td><td>").Text(l.Number(count.Targets)).Raw("</td></tr>");
        }

        html.Raw("</tbody></table></section>");
        PortalCharts.Section(html, registry, null);
        html.Raw("<section aria-labelledby=\"recent\"><h2 id=\"recent\">").T("RecentOrders").Raw("</h2>");
        OrderTable(html, registry.Queries.ListOrders(null, 20, null).Orders);
        html.Raw("<p><a href=\"/orders\">").T("AllOrders").Raw("</a> · ").T("Subscribe").Raw(" <a href=\"/feed.atom\" type=\"application/atom+xml\">").T("AtomFeed").Raw("</a></p></section>");
        return HtmlResult(context, html, l["HomeTitle"]);
    }

    private static void OrderTable(Html html, List<OrderSummary> orders)
    {
        PortalLanguage l = html.Language;
        html.Raw("<table><thead><tr><th scope=\"col\">").T("Order").Raw("</th><th scope=\"col\">").T("Category").Raw("</th><th scope=\"col\">").T("Status")
            .Raw("</th><th scope=\"col\">").T("Effective").Raw("</th><th scope=\"col\">").T("Targets").Raw("</th></tr></thead><tbody>");
        foreach (OrderSummary order in orders)
        {
            html.Raw("<tr><td><a href=\"").Text(OrderPath(order.Authority, order.Decision)).Raw("\">").Text(order.Reference).Raw("</a></td><td>")
                .Text(order.Category).Raw("</td><td>").T("Status." + order.Status).Raw("</td><td>").Raw(l.TimeMarkup(order.Effective)).Raw("</td><td>")
                .Text(l.Number(order.Targets)).Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
    }

    /// <summary>Every order, newest first, 100 to a page, optionally of one authority.</summary>
    private static IResult OrderList(RegistryService registry, HttpContext context)
    {
        string? authority = context.Request.Query["authority"];
        string filter = authority is null ? "" : "authority=" + Uri.EscapeDataString(authority);
        OrderList page = registry.Queries.ListOrders(authority, 100, context.Request.Query["after"]);
        Html html = Page(context);
        html.Raw("<p>").T("DownloadEvery").Raw(" <a href=\"/orders.csv?").Text(filter).Raw("\">CSV</a>, <a href=\"/orders.json?").Text(filter).Raw("\">JSON</a>.</p>");
        OrderTable(html, page.Orders);
        if (page.Next is not null)
        {
            html.Raw("<p><a rel=\"next\" href=\"/orders?").Text(filter.Length > 0 ? filter + "&" : "").Raw("after=").Text(page.Next).Raw("\">").T("OlderOrders").Raw("</a></p>");
        }

        return HtmlResult(context, html, authority is null ? html.Language["AllOrders"] : html.Language.Format("OrdersOf", authority));
    }

    private static IEnumerable<OrderSummary> AllOrders(RegistryService registry, string? authority)
    {
        string? after = null;
        do
        {
            OrderList page = registry.Queries.ListOrders(authority, 1000, after);
            foreach (OrderSummary order in page.Orders)
            {
                yield return order;
            }

            after = page.Next;
        }
        while (after is not null);
    }

    private static IResult OrdersCsv(RegistryService registry, HttpContext context)
    {
        var csv = new StringBuilder("reference,authority,decision,category,status,effective,targets,url\r\n");
        foreach (OrderSummary o in AllOrders(registry, context.Request.Query["authority"]))
        {
            csv.Append(string.Join(',', new[] { o.Reference, o.Authority, o.Decision, o.Category, o.Status, o.Effective, o.Targets.ToString(CultureInfo.InvariantCulture), o.Url }.Select(Palisade.Formats.PolicyExporter.Csv))).Append("\r\n");
        }

        context.Response.Headers.ContentDisposition = "attachment; filename=\"palisade-orders.csv\"";
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private static IResult Search(RegistryService registry, HttpContext context)
    {
        string q = context.Request.Query["q"].ToString().Trim();
        Html html = Page(context);
        PortalLanguage l = html.Language;
        if (q.Length == 0)
        {
            return HtmlResult(context, html.Raw("<p>").M("SearchHelp", "<code>rkn/27-31-2018/Ид4412-18</code>").Raw("</p>"), l["SearchTitle"], q);
        }

        // An order reference goes straight to its page; one that names no order says so (it is no domain name either).
        if (OrderReference.TryParse(q, out OrderReference reference) && !q.Contains("://", StringComparison.Ordinal) && !IPNetwork.TryParse(q, out _))
        {
            if (registry.Queries.GetOrder(reference.Authority, reference.Decision, targetLimit: 1, entryData: false) is not null)
            {
                return Results.Redirect(reference.PagePath);
            }

            if (!DomainName.TryParse(q, out _))
            {
                return HtmlResult(context, html.Raw("<p role=\"alert\">").M("NoSuchOrder", Html.Encode(reference.ToString())).Raw("</p>"), l["SearchTitle"], q, 404);
            }
        }

        LookupResult result;
        try
        {
            result = Lookup(registry, q);
        }
        catch (RegistryProblem problem)
        {
            return HtmlResult(context, html.Raw("<p role=\"alert\">").Text(problem.Message).Raw("</p>"), l["SearchTitle"], q, 400);
        }

        var canonical = new Html(l);
        Target(canonical, result.Canonical);
        html.Raw("<p>").M("SearchResult", Html.Encode(l.Number(result.Matches.Count)), Html.Encode(l["Kind." + result.Kind]), canonical.Body, l.TimeMarkup(result.Time))
            .Raw(" ").T("Download").Raw(" <a href=\"/search.csv?q=").Text(Uri.EscapeDataString(q)).Raw("\">CSV</a>, <a href=\"/search.json?q=")
            .Text(Uri.EscapeDataString(q)).Raw("\">JSON</a>.</p>");
        html.Raw("<table><thead><tr><th scope=\"col\">").T("Order").Raw("</th><th scope=\"col\">").T("Authority").Raw("</th><th scope=\"col\">").T("Category")
            .Raw("</th><th scope=\"col\">").T("Target").Raw("</th><th scope=\"col\">").T("HowItMatches").Raw("</th></tr></thead><tbody>");
        foreach (LookupMatch match in result.Matches)
        {
            html.Raw("<tr><td><a href=\"").Text(OrderReference.Parse(match.Order).PagePath).Raw("\">").Text(match.Order).Raw("</a></td><td>")
                .Text(match.Authority).Raw("</td><td>").Text(match.Category).Raw("</td><td>");
            Target(html, match.Target).Raw("</td><td>").T("Match." + match.Match).Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        return HtmlResult(context, html, l.Format("SearchFor", q), q);
    }

    /// <summary>A search term as a lookup: an IP address, a URL, or else a domain name.</summary>
    private static LookupResult Lookup(RegistryService registry, string q) =>
        IPAddress.TryParse(q, out _) ? registry.Queries.Lookup(null, null, q)
        : q.Contains("://", StringComparison.Ordinal) ? registry.Queries.Lookup(null, q, null)
        : registry.Queries.Lookup(q, null, null);

    private static IResult SearchCsv(RegistryService registry, HttpContext context)
    {
        LookupResult result = Lookup(registry, context.Request.Query["q"].ToString().Trim());
        var csv = new StringBuilder("order,authority,category,target,kind,match\r\n");
        foreach (LookupMatch m in result.Matches)
        {
            csv.Append(string.Join(',', new[] { m.Order, m.Authority, m.Category, m.Target, m.TargetKind, m.Match }.Select(Palisade.Formats.PolicyExporter.Csv))).Append("\r\n");
        }

        context.Response.Headers.ContentDisposition = "attachment; filename=\"palisade-search.csv\"";
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private static IResult OrderPage(RegistryService registry, HttpContext context)
    {
        Html html = Page(context);
        PortalLanguage l = html.Language;
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        raw = raw.Split('?')[0];
        string[] segments = raw["/orders/".Length..].Split('/');
        if (segments.Length != 2 || segments[0].Length == 0 || segments[1].Length == 0)
        {
            return HtmlResult(context, html.Raw("<p>").T("OrderPathHelp").Raw("</p>"), l["NotFound"], status: 404);
        }

        string authority = Uri.UnescapeDataString(segments[0]);
        string decision = Uri.UnescapeDataString(segments[1]);
        OrderView? order = registry.Queries.GetOrder(authority, decision, 1000, context.Request.Query["targetsAfter"], entryData: false);
        if (order is null)
        {
            return HtmlResult(context, html.Raw("<p>").M("NoSuchOrder", Html.Encode(Fields.Reference(authority, decision))).Raw("</p>"), l["NotFound"], status: 404);
        }

        html.Raw("<dl>");
        Field(html, "Authority", $"<a href=\"/authorities/{Html.Encode(Uri.EscapeDataString(order.Authority))}\">{Html.Encode(order.Authority)}</a>");
        Field(html, "IssuedBy", Html.Encode(order.IssuingBody));
        Field(html, "Decision", Html.Encode(order.Decision) + ", " + Html.Encode(order.DecisionDate));
        Field(html, "LegalBasis", Html.Encode(order.LegalBasis));
        Field(html, "Category", Html.Encode(order.Category));
        Field(html, "Status", Html.Encode(l["Status." + order.Status]));
        Field(html, "InForce", l.TimeMarkup(order.Effective) + " – " + (order.Expires is null ? Html.Encode(l["NoExpiry"]) : l.TimeMarkup(order.Expires)));
        Field(html, "Summary", Html.Encode(order.Summary));
        if (order.Cites.Count > 0)
        {
            // The foreign orders this order acts on, each linked to this registry's verified mirror of its log.
            Field(html, "ActsOnForeign", string.Join("; ", order.Cites.Select(c =>
                $"<a href=\"/mirror?origin={Html.Encode(Uri.EscapeDataString(c.Origin))}\">{Html.Encode(c.Reference ?? l.Format("EntryN", c.Index.ToString(CultureInfo.InvariantCulture)))}</a> " +
                Html.Encode(l.Format("LogAndEntry", c.Origin, c.Index.ToString(CultureInfo.InvariantCulture))))));
        }

        // The summary agrees with the table below: the same latest measurements.
        List<MeasurementView> measured = registry.Probes.Latest(order.Reference, null);
        Field(html, "MeasuredStatus", measured.Count == 0 ? Html.Encode(l["NoProbeYetField"])
            : "<a href=\"#measured\">" + Html.Encode(l.Format("MeasuredSummaryField", l.Number(measured.Count), l.Number(measured.Select(m => m.Network).Distinct(StringComparer.Ordinal).Count()))) + "</a>");
        string api = new OrderReference(authority, decision).ApiPath;
        html.Raw("</dl><h2 id=\"targets\">").T("Targets").Raw("</h2><p>").Text(l.Format("TargetCount", l.Number(order.TargetCount))).Raw(" ")
            .M("TargetsDownload", "<a href=\"" + Html.Encode(api) + "\">JSON</a>", "<code>targetLimit</code>", "<code>targetsAfter</code>").Raw("</p><ul>");
        foreach (TargetView target in order.Targets)
        {
            html.Raw("<li>");
            Target(html, target.Value).Raw(" (").Text(target.Kind).Raw(")</li>");
        }

        html.Raw("</ul>");
        if (order.TargetsNext is not null)
        {
            html.Raw("<p><a href=\"").Text(OrderPath(authority, decision) + "?targetsAfter=" + Uri.EscapeDataString(order.TargetsNext)).Raw("\">").T("MoreTargets").Raw("</a></p>");
        }

        List<OperatorStatus> operators = registry.Operators.StatusOf(authority, decision);
        if (operators.Count > 0)
        {
            html.Raw("<h2 id=\"operators\">").T("Operators").Raw("</h2><p>").M("OperatorsHelp", Html.Encode(operators[0].Version.ToString(CultureInfo.InvariantCulture)), l.TimeMarkup(operators[0].Deadline))
                .Raw("</p><table><thead><tr><th scope=\"col\">").T("Operator").Raw("</th><th scope=\"col\">").T("Status").Raw("</th><th scope=\"col\">").T("Acknowledged").Raw("</th></tr></thead><tbody>");
            foreach (OperatorStatus status in operators)
            {
                html.Raw("<tr><td><a href=\"/operators/").Text(Uri.EscapeDataString(status.Operator)).Raw("\">").Text(status.Operator).Raw("</a></td><td>")
                    .Raw(status.Status == "overdue" ? l.Markup("OverdueSince", l.TimeMarkup(status.Deadline)) : Html.Encode(l["OperatorStatus." + status.Status])).Raw("</td><td>")
                    .Raw(l.TimeMarkup(status.Acknowledged)).Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
        }

        html.Raw("<h2 id=\"measured\">").T("MeasuredStatus").Raw("</h2>");
        if (measured.Count == 0)
        {
            html.Raw("<p>").T("NoProbeYet").Raw("</p>");
        }
        else
        {
            html.Raw("<p>").M("MeasuredHelp", "<a href=\"/v1/measurements?order=" + Html.Encode(Uri.EscapeDataString(order.Reference)) + "&amp;format=csv\">CSV</a>",
                "<a href=\"/v1/measurements?order=" + Html.Encode(Uri.EscapeDataString(order.Reference)) + "\">JSON</a>").Raw("</p>");
            MeasurementTable(html, measured);
        }

        html.Raw("<h2 id=\"history\">").T("History").Raw("</h2><p>")
            .M("HistoryHelp", Html.Encode(order.TreeSize.ToString(CultureInfo.InvariantCulture)), "<code id=\"root\">" + Html.Encode(order.RootHash) + "</code>")
            .Raw("</p><table").Raw(VerdictTexts(l)).Raw("><thead><tr><th scope=\"col\">").T("Event").Raw("</th><th scope=\"col\">").T("Time").Raw("</th><th scope=\"col\">").T("LogIndex")
            .Raw("</th><th scope=\"col\">").T("InclusionProof").Raw("</th></tr></thead><tbody>");
        foreach (EventView evt in order.History)
        {
            foreach (EntryProof entry in evt.Entries)
            {
                html.Raw("<tr><td>").Text(evt.Type).Raw("</td><td>").Raw(l.TimeMarkup(evt.Time)).Raw("</td><td>").Text(entry.Index.ToString(CultureInfo.InvariantCulture))
                    .Raw("</td>");
                ProofCell(html, entry.Index, order.TreeSize, entry.LeafHash, string.Join(' ', entry.Proof));
                html.Raw("</tr>");
            }
        }

        html.Raw("</tbody></table><h2 id=\"checkpoint\">").T("SignedCheckpoint").Raw("</h2><pre>").Text(order.Checkpoint).Raw("</pre>");
        html.Raw("<script>").Raw(ProofScript).Raw("</script>");
        return HtmlResult(context, html, l.Format("OrderTitle", order.Reference));
    }

    /// <summary>The proof script's two verdicts in the page's language, as attributes of the table of proofs.</summary>
    private static string VerdictTexts(PortalLanguage l) => $" data-ok=\"{Html.Encode(l["Verified"])}\" data-bad=\"{Html.Encode(l["DoesNotVerify"])}\"";

    /// <summary>A table cell that the proof script checks: the entry's index, the tree size, the leaf hash and the proof.</summary>
    private static void ProofCell(Html html, long index, long size, string leafHash, string proof) =>
        html.Raw("<td class=\"proof\" data-index=\"").Text(index.ToString(CultureInfo.InvariantCulture)).Raw("\" data-size=\"")
            .Text(size.ToString(CultureInfo.InvariantCulture)).Raw("\" data-leaf=\"").Text(leafHash).Raw("\" data-proof=\"").Text(proof)
            .Raw("\"><span class=\"verdict\">").T("NotChecked").Raw("</span> <details><summary>").T("Proof").Raw("</summary><code>").Text(proof).Raw("</code></details></td>");

    private static void Field(Html html, string key, string markup) => html.Raw("<dt>").T(key).Raw("</dt><dd>").Raw(markup).Raw("</dd>");

    private static IResult AuthorityPage(RegistryService registry, string id, HttpContext context)
    {
        Html html = Page(context);
        PortalLanguage l = html.Language;
        AuthorityView? authority = registry.Authorities.ListAuthorities().Find(a => a.Id == id);
        if (authority is null)
        {
            return HtmlResult(context, html.Raw("<p>").M("NoSuchAuthority", Html.Encode(id)).Raw("</p>"), l["NotFound"], status: 404);
        }

        html.Raw("<dl>");
        Field(html, "Jurisdiction", Html.Encode(authority.Jurisdiction));
        Field(html, "WebSite", $"<a href=\"{Html.Encode(authority.Url)}\">{Html.Encode(authority.Url)}</a>");
        Field(html, "Registered", Html.Encode(l.Format("LogEntryN", authority.LogIndex.ToString(CultureInfo.InvariantCulture))));
        OrderList orders = registry.Queries.ListOrders(id, 100, null);
        html.Raw("</dl>");
        PortalCharts.Section(html, registry, id);
        html.Raw("<h2>").T("Orders").Raw("</h2><p>").T("Download").Raw(" <a href=\"/orders.csv?authority=").Text(Uri.EscapeDataString(id)).Raw("\">CSV</a>, <a href=\"/orders.json?authority=")
            .Text(Uri.EscapeDataString(id)).Raw("\">JSON</a>. ").T("Subscribe").Raw(" <a href=\"/feed.atom?authority=").Text(Uri.EscapeDataString(id))
            .Raw("\" type=\"application/atom+xml\">").T("AtomFeed").Raw("</a>.</p>");
        OrderTable(html, orders.Orders);
        if (orders.Next is not null)
        {
            html.Raw("<p><a rel=\"next\" href=\"/orders?authority=").Text(Uri.EscapeDataString(id)).Raw("&after=").Text(orders.Next).Raw("\">").T("OlderOrders").Raw("</a></p>");
        }

        return HtmlResult(context, html, authority.Name);
    }

    private static IResult OperatorsPage(RegistryService registry, HttpContext context)
    {
        Html html = Page(context);
        PortalLanguage l = html.Language;
        html.Raw("<p>").T("OperatorsIntro").Raw("</p>");
        List<OperatorView> operators = registry.Operators.List();
        if (operators.Count == 0)
        {
            return HtmlResult(context, html.Raw("<p>").T("NoneRegistered").Raw("</p>"), l["OperatorsTitle"]);
        }

        html.Raw("<table><thead><tr><th scope=\"col\">").T("Operator").Raw("</th><th scope=\"col\">").T("Kind").Raw("</th><th scope=\"col\">").T("Country")
            .Raw("</th><th scope=\"col\">").T("Points").Raw("</th><th scope=\"col\">").T("LatestAcked").Raw("</th></tr></thead><tbody>");
        foreach (OperatorView op in operators)
        {
            long? acked = op.Points.Max(p => p.AckedVersion);
            html.Raw("<tr><td><a href=\"/operators/").Text(Uri.EscapeDataString(op.Id)).Raw("\">").Text(op.Name).Raw("</a></td><td>").Text(op.Kind).Raw("</td><td>").Text(op.Country)
                .Raw("</td><td>").Text(l.Number(op.Points.Count)).Raw("</td><td>").Text(acked?.ToString(CultureInfo.InvariantCulture) ?? l["None"]).Raw("</td></tr>");
        }

        return HtmlResult(context, html.Raw("</tbody></table>"), l["OperatorsTitle"]);
    }

    private static IResult OperatorPage(RegistryService registry, string id, HttpContext context)
    {
        Html html = Page(context);
        PortalLanguage l = html.Language;
        OperatorView? op = registry.Operators.Get(id);
        if (op is null)
        {
            return HtmlResult(context, html.Raw("<p>").Text(id).Raw("</p>"), l["NotFound"], status: 404);
        }

        html.Raw("<dl>");
        Field(html, "Kind", Html.Encode(op.Kind));
        Field(html, "Country", Html.Encode(op.Country));
        Field(html, "WebSite", $"<a href=\"{Html.Encode(op.Url)}\">{Html.Encode(op.Url)}</a>");
        Field(html, "BehindBy", Html.Encode(l.Format("VersionsN", l.Number(op.Lag ?? 0))));
        Field(html, "PendingWithin", Html.Encode(l.Number(op.Pending ?? 0)));
        html.Raw("</dl><h2>").T("EnforcementPoints").Raw("</h2><table><thead><tr><th scope=\"col\">").T("Point").Raw("</th><th scope=\"col\">").T("Key")
            .Raw("</th><th scope=\"col\">").T("VersionAcked").Raw("</th></tr></thead><tbody>");
        foreach (PointView point in op.Points)
        {
            html.Raw("<tr><td>").Text(point.Id).Raw("</td><td><code>").Text(point.Key).Raw("</code></td><td>").Text(point.AckedVersion?.ToString(CultureInfo.InvariantCulture) ?? l["None"]).Raw("</td></tr>");
        }

        html.Raw("</tbody></table><h2 id=\"overdue\">").T("OverdueOrders").Raw("</h2>");
        if (op.Overdue is not { Count: > 0 } overdue)
        {
            html.Raw("<p>").T("NoneDot").Raw("</p>");
        }
        else
        {
            html.Raw("<table><thead><tr><th scope=\"col\">").T("Order").Raw("</th><th scope=\"col\">").T("Category").Raw("</th><th scope=\"col\">").T("InVersion")
                .Raw("</th><th scope=\"col\">").T("Published").Raw("</th><th scope=\"col\">").T("Deadline").Raw("</th></tr></thead><tbody>");
            foreach (OverdueOrder order in overdue)
            {
                var reference = OrderReference.Parse(order.Order);
                html.Raw("<tr><td><a href=\"").Text(OrderPath(reference.Authority, reference.Decision)).Raw("\">").Text(order.Order).Raw("</a></td><td>").Text(order.Category)
                    .Raw("</td><td>").Text(order.Version.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>").Raw(l.TimeMarkup(order.Published)).Raw("</td><td>").Raw(l.TimeMarkup(order.Deadline)).Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
        }

        OperatorMeasurements measurements = registry.Probes.ForOperator(id);
        html.Raw("<h2 id=\"measured\">").T("Measured").Raw("</h2>");
        if (measurements.Measured == 0)
        {
            html.Raw("<p>").T("NoProbeInNetworks").Raw("</p>");
        }
        else
        {
            int ordered = measurements.Enforced + measurements.EnforcedUnattributed + measurements.NotEnforced;
            string Share(int n) => ordered == 0 ? "" : " (" + (n / (double)ordered).ToString("P1", l.Culture) + ")";
            html.Raw("<p>").M("ProbesMeasured", Html.Encode(string.Join(", ", measurements.Networks)), Html.Encode(l.Number(measurements.Measured)),
                "<a href=\"/v1/measurements?network=" + Html.Encode(Uri.EscapeDataString(measurements.Networks[0])) + "&amp;format=csv\">CSV</a>").Raw("</p><dl>");
            Field(html, "EnforcedNamed", Html.Encode(l.Number(measurements.Enforced) + Share(measurements.Enforced)));
            Field(html, "EnforcedUnattributed", Html.Encode(l.Number(measurements.EnforcedUnattributed) + Share(measurements.EnforcedUnattributed)));
            Field(html, "NotEnforced", Html.Encode(l.Number(measurements.NotEnforced) + Share(measurements.NotEnforced)));
            Field(html, "OverBlockedCount", Html.Encode(l.Number(measurements.OverBlocked.Count)));
            html.Raw("</dl>");
            if (measurements.OverBlocked.Count > 0)
            {
                html.Raw("<h3>").T("OverBlockedResources").Raw("</h3>");
                MeasurementTable(html, measurements.OverBlocked);
            }
        }

        return HtmlResult(context, html, op.Name);
    }

    private static void MeasurementTable(Html html, List<MeasurementView> measurements)
    {
        html.Raw("<table><thead><tr>");
        foreach (string column in (string[])["Resource", "Network", "Verdict", "How", "LikelyCause", "Measured", "Probe"])
        {
            html.Raw("<th scope=\"col\">").T(column).Raw("</th>");
        }

        html.Raw("</tr></thead><tbody>");
        foreach (MeasurementView m in measurements)
        {
            html.Raw("<tr><td><code>").Text(m.Input).Raw("</code></td><td>").Text(m.Network).Raw("</td><td>").Text(m.Verdict).Raw("</td><td>").Text(m.Blocking ?? "")
                .Raw("</td><td>").Text(m.Cause ?? "").Raw("</td><td>").Raw(html.Language.TimeMarkup(m.Measured)).Raw("</td><td>").Text(m.Probe).Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
    }

    private static IResult MirrorsPage(RegistryService registry, HttpContext context)
    {
        Html html = Page(context);
        PortalLanguage l = html.Language;
        html.Raw("<p>").M("MirrorsIntro", "<strong>" + Html.Encode(l["NeverEnforced"]) + "</strong>").Raw("</p>");
        if (registry.Mirrors.Count == 0)
        {
            return HtmlResult(context, html.Raw("<p>").T("NoneDot").Raw("</p>"), l["MirrorsTitle"]);
        }

        html.Raw("<table><thead><tr>");
        foreach (string column in (string[])["Log", "Registry", "VerifiedEntries", "Orders", "NotCitedHere", "State"])
        {
            html.Raw("<th scope=\"col\">").T(column).Raw("</th>");
        }

        html.Raw("</tr></thead><tbody>");
        foreach (LogMirror mirror in registry.Mirrors)
        {
            MirrorView view = mirror.View(registry.CitedBy);
            html.Raw("<tr><td><a href=\"/mirror?origin=").Text(Uri.EscapeDataString(view.Origin)).Raw("\">").Text(view.Origin).Raw("</a></td><td>").Text(view.Url)
                .Raw("</td><td>").Text(l.Number(view.Size)).Raw("</td><td>").Text(l.Number(view.Orders.Count))
                .Raw("</td><td>").Text(l.Number(view.Orders.Count(o => o.CitedBy.Count == 0))).Raw("</td><td>")
                .Text(view.Fork is not null ? l["Forked"] : view.LastError is null ? l["Following"] : l.Format("Unreachable", view.LastError)).Raw("</td></tr>");
        }

        return HtmlResult(context, html.Raw("</tbody></table>"), l["MirrorsTitle"]);
    }

    private static IResult MirrorPage(RegistryService registry, HttpContext context)
    {
        string origin = context.Request.Query["origin"].ToString();
        Html html = Page(context);
        PortalLanguage l = html.Language;
        LogMirror? mirror = registry.Mirrors.FirstOrDefault(m => m.Origin == origin);
        if (mirror is null)
        {
            return HtmlResult(context, html.Raw("<p>").M("MirrorNotFound", Html.Encode(origin)).Raw("</p>"), l["NotFound"], status: 404);
        }

        MirrorView view = mirror.View(registry.CitedBy);
        html.Raw("<p>").M("MirroredFrom", "<code>" + Html.Encode(view.Url) + "</code>", "<code>" + Html.Encode(view.Key) + "</code>", "<strong>" + Html.Encode(l["DoesNotEnforce"]) + "</strong>").Raw("</p>");
        if (view.Fork is { } fork)
        {
            html.Raw("<h2 id=\"fork\">").T("ForkTitle").Raw("</h2><p>").M("ForkText", Html.Encode(fork.Reason)).Raw("</p><h3>").T("VerifiedHeading").Raw("</h3><pre>")
                .Text(fork.VerifiedCheckpoint).Raw("</pre><h3>").T("Contradicting").Raw("</h3><pre>").Text(fork.ConflictingCheckpoint).Raw("</pre>");
        }

        Checkpoint? checkpoint = view.Checkpoint is null ? null : Checkpoint.Parse(SignedNote.Parse(view.Checkpoint).Text);
        html.Raw("<h2>").T("Orders").Raw("</h2><p>").M("MirrorProofHelp", Html.Encode(view.Size.ToString(CultureInfo.InvariantCulture)),
            "<code id=\"root\">" + Html.Encode(checkpoint is null ? "" : Convert.ToBase64String(checkpoint.RootHash)) + "</code>")
            .Raw("</p><table").Raw(VerdictTexts(l)).Raw("><thead><tr>");
        foreach (string column in (string[])["Order", "Authority", "Category", "Targets", "Status", "CitedHereBy", "InclusionProof"])
        {
            html.Raw("<th scope=\"col\">").T(column).Raw("</th>");
        }

        html.Raw("</tr></thead><tbody>");
        foreach (MirroredOrderView order in view.Orders)
        {
            html.Raw("<tr><td>").Text(order.Reference).Raw("<br>").Text(order.Summary).Raw("</td><td>").Text(order.AuthorityName ?? order.Authority).Raw("</td><td>").Text(order.Category)
                .Raw("</td><td>").Text(string.Join(' ', order.Targets)).Raw("</td><td>").T("Status." + order.Status).Raw("</td><td>");
            if (order.CitedBy.Count == 0)
            {
                html.Raw("<em>").T("NoDomesticOrder").Raw("</em>");
            }

            foreach (string citing in order.CitedBy)
            {
                var reference = OrderReference.Parse(citing);
                html.Raw("<a href=\"").Text(OrderPath(reference.Authority, reference.Decision)).Raw("\">").Text(citing).Raw("</a> ");
            }

            html.Raw("</td>");
            ProofCell(html, order.LogIndex, view.Size, order.LeafHash, string.Join(' ', order.InclusionProof));
            html.Raw("</tr>");
        }

        html.Raw("</tbody></table><h2>").T("SignedCheckpoint").Raw("</h2><pre>").Text(view.Checkpoint ?? "").Raw("</pre><script>").Raw(ProofScript).Raw("</script>");
        return HtmlResult(context, html, l.Format("MirrorOf", view.Origin));
    }

    private static IResult VerifyPage(RegistryService registry, HttpContext context)
    {
        Html html = Page(context);
        html.Raw("<p>").T("VerifyIntro").Raw("</p><pre>palisade verify --log ").Text(registry.PublicUrl).Raw("/log/ --key '").Text(registry.Log.VerifierKey).Raw("'</pre>")
            .Raw("<p>").M("VerifyMore", "<code>palisade bundle rebuild --log URL --version N</code>").Raw("</p>");
        return HtmlResult(context, html, html.Language["FooterVerify"]);
    }

    /// <summary>RFC 9162 §2.1.3.2: recompute the root from the leaf hash and the proof, with the browser's SHA-256.</summary>
    /// <summary>The order page's one script; <see cref="Html.ContentSecurityPolicy"/> allows it by its hash.</summary>
    internal const string ProofScript = """
        (async () => {
          const b64 = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
          const node = async (l, r) => new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([1, ...l, ...r])));
          const root = document.getElementById('root').textContent;
          for (const cell of document.querySelectorAll('td.proof')) {
            let fn = BigInt(cell.dataset.index), sn = BigInt(cell.dataset.size) - 1n, r = b64(cell.dataset.leaf);
            const proof = cell.dataset.proof ? cell.dataset.proof.split(' ').map(b64) : [];
            let ok = fn <= sn;
            for (const p of proof) {
              if (sn === 0n) { ok = false; break; }
              if ((fn & 1n) === 1n || fn === sn) {
                r = await node(p, r);
                if ((fn & 1n) === 0n) { while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; } }
              } else { r = await node(r, p); }
              fn >>= 1n; sn >>= 1n;
            }
            ok = ok && sn === 0n && btoa(String.fromCharCode(...r)) === root;
            const verdict = cell.querySelector('.verdict');
            const texts = cell.closest('table').dataset;
            verdict.textContent = ok ? texts.ok : texts.bad;
            cell.dataset.verified = ok;
          }
        })();
        """;
}

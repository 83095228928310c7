using Palisade.Core.Transparency;
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
        app.MapGet("/", () => HtmlResult(Home(registry), "Transparency register of blocking orders"));
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
        app.MapGet("/authorities/{id}", (string id) => AuthorityPage(registry, id));
        app.MapGet("/verify", () => HtmlResult(VerifyPage(registry), "Verify this registry yourself"));
        app.MapGet("/mirrors", () => HtmlResult(MirrorsPage(registry), "Foreign registries mirrored here"));
        app.MapGet("/operators", () => HtmlResult(OperatorsPage(registry), "Operators and what they enforce"));
        app.MapGet("/operators/{id}", (string id) => OperatorPage(registry, id));
        app.MapGet("/mirror", (HttpContext context) => MirrorPage(registry, context.Request.Query["origin"].ToString()));
    }

    /// <summary>The public page of an order, as links and EDE texts write it.</summary>
    public static string OrderPath(string authority, string decision) => new OrderReference(authority, decision).PagePath;

    private static IResult HtmlResult(Html html, string title, string? query = null, int status = 200) =>
        Results.Content(html.Page(title, query), "text/html; charset=utf-8", Encoding.UTF8, status);

    private static Html Home(RegistryService registry)
    {
        LogState state = registry.Log.State;
        var html = new Html();
        html.Raw("<section aria-labelledby=\"log\"><h2 id=\"log\">The log</h2><p>Tree size <strong>")
            .Text(state.Checkpoint.Size.ToString(CultureInfo.InvariantCulture)).Raw("</strong>, root hash <code>")
            .Text(Convert.ToBase64String(state.Checkpoint.RootHash)).Raw("</code>, signed by <code>").Text(registry.Log.VerifierKey)
            .Raw("</code> (signature verified when the registry started and on every append).</p></section>");
        html.Raw("<section aria-labelledby=\"counts\"><h2 id=\"counts\">Orders in force</h2><table><caption>Active orders and targets by authority and category</caption><thead><tr><th scope=\"col\">Authority</th><th scope=\"col\">Category</th><th scope=\"col\">Orders</th><th scope=\"col\">Targets</th></tr></thead><tbody>");
        foreach (RegistryQueries.ActiveCount count in registry.Queries.ActiveCounts())
        {
            html.Raw("<tr><td><a href=\"/authorities/").Text(Uri.EscapeDataString(count.Authority)).Raw("\">").Text(count.Authority).Raw("</a></td><td>")
                .Text(count.Category).Raw("</td><td>").Text(count.Orders.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>")
                .Text(count.Targets.ToString(CultureInfo.InvariantCulture)).Raw("</td></tr>");
        }

        html.Raw("</tbody></table></section><section aria-labelledby=\"recent\"><h2 id=\"recent\">Recent orders</h2>");
        OrderTable(html, registry.Queries.ListOrders(null, 20, null).Orders);
        return html.Raw("<p><a href=\"/orders\">All orders</a></p></section>");
    }

    private static void OrderTable(Html html, List<OrderSummary> orders)
    {
        html.Raw("<table><thead><tr><th scope=\"col\">Order</th><th scope=\"col\">Category</th><th scope=\"col\">Status</th><th scope=\"col\">Effective</th><th scope=\"col\">Targets</th></tr></thead><tbody>");
        foreach (OrderSummary order in orders)
        {
            html.Raw("<tr><td><a href=\"").Text(OrderPath(order.Authority, order.Decision)).Raw("\">").Text(order.Reference).Raw("</a></td><td>")
                .Text(order.Category).Raw("</td><td>").Text(order.Status).Raw("</td><td>").Text(order.Effective).Raw("</td><td>")
                .Text(order.Targets.ToString(CultureInfo.InvariantCulture)).Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
    }

    /// <summary>Every order, newest first, 100 to a page, optionally of one authority.</summary>
    private static IResult OrderList(RegistryService registry, HttpContext context)
    {
        string? authority = context.Request.Query["authority"];
        string filter = authority is null ? "" : "authority=" + Uri.EscapeDataString(authority);
        OrderList page = registry.Queries.ListOrders(authority, 100, context.Request.Query["after"]);
        var html = new Html();
        html.Raw("<p>Download every order: <a href=\"/orders.csv?").Text(filter).Raw("\">CSV</a>, <a href=\"/orders.json?").Text(filter).Raw("\">JSON</a>.</p>");
        OrderTable(html, page.Orders);
        if (page.Next is not null)
        {
            html.Raw("<p><a rel=\"next\" href=\"/orders?").Text(filter.Length > 0 ? filter + "&" : "").Raw("after=").Text(page.Next).Raw("\">Older orders</a></p>");
        }

        return HtmlResult(html, authority is null ? "All orders" : "Orders of " + authority);
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
            csv.Append(string.Join(',', new[] { o.Reference, o.Authority, o.Decision, o.Category, o.Status, o.Effective, o.Targets.ToString(CultureInfo.InvariantCulture), o.Url }.Select(Core.Formats.PolicyExporter.Csv))).Append("\r\n");
        }

        context.Response.Headers.ContentDisposition = "attachment; filename=\"palisade-orders.csv\"";
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private static IResult Search(RegistryService registry, HttpContext context)
    {
        string q = context.Request.Query["q"].ToString().Trim();
        var html = new Html();
        if (q.Length == 0)
        {
            return HtmlResult(html.Raw("<p>Enter a domain name (in any script), a URL, an IP address or an order reference such as <code>rkn/27-31-2018/Ид4412-18</code>.</p>"), "Search", q);
        }

        // An order reference goes straight to its page.
        if (OrderReference.TryParse(q, out OrderReference reference) && !q.Contains("://", StringComparison.Ordinal) && !IPNetwork.TryParse(q, out _)
            && registry.Queries.GetOrder(reference.Authority, reference.Decision, targetLimit: 1, entryData: false) is not null)
        {
            return Results.Redirect(reference.PagePath);
        }

        LookupResult result;
        try
        {
            result = Lookup(registry, q);
        }
        catch (RegistryProblem problem)
        {
            return HtmlResult(html.Raw("<p role=\"alert\">").Text(problem.Message).Raw("</p>"), "Search", q, 400);
        }

        html.Raw("<p>").Text($"{result.Matches.Count} active order(s) cover {result.Kind} ").Raw("<code>").Text(result.Canonical).Raw("</code>")
            .Text($" at {result.Time}.").Raw(" Download: <a href=\"/search.csv?q=").Text(Uri.EscapeDataString(q)).Raw("\">CSV</a>, <a href=\"/search.json?q=")
            .Text(Uri.EscapeDataString(q)).Raw("\">JSON</a>.</p>");
        html.Raw("<table><thead><tr><th scope=\"col\">Order</th><th scope=\"col\">Authority</th><th scope=\"col\">Category</th><th scope=\"col\">Target</th><th scope=\"col\">How it matches</th></tr></thead><tbody>");
        foreach (LookupMatch match in result.Matches)
        {
            html.Raw("<tr><td><a href=\"").Text(OrderReference.Parse(match.Order).PagePath).Raw("\">").Text(match.Order).Raw("</a></td><td>")
                .Text(match.Authority).Raw("</td><td>").Text(match.Category).Raw("</td><td><code>").Text(match.Target).Raw("</code></td><td>")
                .Text(Explain(match.Match)).Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        return HtmlResult(html, "Search: " + q, q);
    }

    private static string Explain(string match) => match switch
    {
        "exact" => "exact: the order names it",
        "wildcard" => "wildcard: the order names every name below a parent",
        "path-prefix" => "path prefix: the order names every URL below this path",
        "covering-prefix" => "covering prefix: the address lies in a prefix the order names",
        _ => match,
    };

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
            csv.Append(string.Join(',', new[] { m.Order, m.Authority, m.Category, m.Target, m.TargetKind, m.Match }.Select(Core.Formats.PolicyExporter.Csv))).Append("\r\n");
        }

        context.Response.Headers.ContentDisposition = "attachment; filename=\"palisade-search.csv\"";
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private static IResult OrderPage(RegistryService registry, HttpContext context)
    {
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        raw = raw.Split('?')[0];
        string[] segments = raw["/orders/".Length..].Split('/');
        if (segments.Length != 2)
        {
            return HtmlResult(new Html().Raw("<p>An order page is /orders/{authority}/{decision}, with '/' in the decision written %2F.</p>"), "Not found", status: 404);
        }

        string authority = Uri.UnescapeDataString(segments[0]);
        string decision = Uri.UnescapeDataString(segments[1]);
        OrderView? order = registry.Queries.GetOrder(authority, decision, 1000, context.Request.Query["targetsAfter"], entryData: false);
        if (order is null)
        {
            return HtmlResult(new Html().Raw("<p>There is no order ").Text(Fields.Reference(authority, decision)).Raw(".</p>"), "Not found", status: 404);
        }

        var html = new Html();
        html.Raw("<dl>");
        Field(html, "Authority", $"<a href=\"/authorities/{Html.Encode(Uri.EscapeDataString(order.Authority))}\">{Html.Encode(order.Authority)}</a>");
        Field(html, "Issued by", Html.Encode(order.IssuingBody));
        Field(html, "Decision", Html.Encode(order.Decision) + ", " + Html.Encode(order.DecisionDate));
        Field(html, "Legal basis", Html.Encode(order.LegalBasis));
        Field(html, "Category", Html.Encode(order.Category));
        Field(html, "Status", Html.Encode(order.Status));
        Field(html, "In force", Html.Encode(order.Effective) + " – " + Html.Encode(order.Expires ?? "no expiry"));
        Field(html, "Summary", Html.Encode(order.Summary));
        if (order.Cites.Count > 0)
        {
            // The foreign orders this order acts on, each linked to this registry's verified mirror of its log.
            Field(html, "Acts on foreign orders", string.Join("; ", order.Cites.Select(c =>
                $"<a href=\"/mirror?origin={Html.Encode(Uri.EscapeDataString(c.Origin))}\">{Html.Encode(c.Reference ?? "entry " + c.Index.ToString(CultureInfo.InvariantCulture))}</a> " +
                $"(log {Html.Encode(c.Origin)}, entry {c.Index.ToString(CultureInfo.InvariantCulture)})")));
        }

        Field(html, "Measured status", "no probe has reported on this order yet");
        string api = new OrderReference(authority, decision).ApiPath;
        html.Raw("</dl><h2 id=\"targets\">Targets</h2><p>").Text($"{order.TargetCount} target(s). ").Raw("Download: <a href=\"").Text(api)
            .Raw("\">JSON</a> (the order, its targets and every log entry with its proof; <code>targetLimit</code> and <code>targetsAfter</code> page it).</p><ul>");
        foreach (TargetView target in order.Targets)
        {
            html.Raw("<li><code>").Text(target.Value).Raw("</code> (").Text(target.Kind).Raw(")</li>");
        }

        html.Raw("</ul>");
        if (order.TargetsNext is not null)
        {
            html.Raw("<p><a href=\"").Text(OrderPath(authority, decision) + "?targetsAfter=" + Uri.EscapeDataString(order.TargetsNext)).Raw("\">More targets</a></p>");
        }

        List<OperatorStatus> operators = registry.Operators.StatusOf(authority, decision);
        if (operators.Count > 0)
        {
            html.Raw("<h2 id=\"operators\">Operators</h2><p>Whether each operator acknowledged a version holding this order (version ")
                .Text(operators[0].Version.ToString(CultureInfo.InvariantCulture)).Raw(" or later) by the deadline ").Text(operators[0].Deadline)
                .Raw(".</p><table><thead><tr><th scope=\"col\">Operator</th><th scope=\"col\">Status</th><th scope=\"col\">Acknowledged</th></tr></thead><tbody>");
            foreach (OperatorStatus status in operators)
            {
                html.Raw("<tr><td><a href=\"/operators/").Text(Uri.EscapeDataString(status.Operator)).Raw("\">").Text(status.Operator).Raw("</a></td><td>")
                    .Text(status.Status == "overdue" ? "overdue since " + status.Deadline : status.Status).Raw("</td><td>").Text(status.Acknowledged ?? "").Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
        }

        List<MeasurementView> measured = registry.Probes.Latest(order.Reference, null);
        html.Raw("<h2 id=\"measured\">Measured status</h2>");
        if (measured.Count == 0)
        {
            html.Raw("<p>No probe has measured this order yet.</p>");
        }
        else
        {
            html.Raw("<p>The latest measurement of each resource of this order in each network (<a href=\"/v1/measurements?order=").Text(Uri.EscapeDataString(order.Reference))
                .Raw("&amp;format=csv\">CSV</a>, <a href=\"/v1/measurements?order=").Text(Uri.EscapeDataString(order.Reference)).Raw("\">JSON</a>).</p>");
            MeasurementTable(html, measured);
        }

        html.Raw("<h2 id=\"history\">History</h2><p>Every change is an entry of the transparency log. Each proof below shows that the entry is in the tree of size ")
            .Text(order.TreeSize.ToString(CultureInfo.InvariantCulture)).Raw(" whose root is <code id=\"root\">").Text(order.RootHash)
            .Raw("</code>; this page checks each proof in your browser.</p><table><thead><tr><th scope=\"col\">Event</th><th scope=\"col\">Time</th><th scope=\"col\">Log index</th><th scope=\"col\">Inclusion proof</th></tr></thead><tbody>");
        foreach (EventView evt in order.History)
        {
            foreach (EntryProof entry in evt.Entries)
            {
                html.Raw("<tr><td>").Text(evt.Type).Raw("</td><td>").Text(evt.Time).Raw("</td><td>").Text(entry.Index.ToString(CultureInfo.InvariantCulture))
                    .Raw("</td><td class=\"proof\" data-index=\"").Text(entry.Index.ToString(CultureInfo.InvariantCulture)).Raw("\" data-size=\"")
                    .Text(order.TreeSize.ToString(CultureInfo.InvariantCulture)).Raw("\" data-leaf=\"").Text(entry.LeafHash).Raw("\" data-proof=\"")
                    .Text(string.Join(' ', entry.Proof)).Raw("\"><span class=\"verdict\">not checked</span> <details><summary>proof</summary><code>")
                    .Text(string.Join(' ', entry.Proof)).Raw("</code></details></td></tr>");
            }
        }

        html.Raw("</tbody></table><h2 id=\"checkpoint\">Signed checkpoint</h2><pre>").Text(order.Checkpoint).Raw("</pre>");
        html.Raw("<script>").Raw(ProofScript).Raw("</script>");
        return HtmlResult(html, "Order " + order.Reference);
    }

    private static void Field(Html html, string name, string markup) => html.Raw("<dt>").Text(name).Raw("</dt><dd>").Raw(markup).Raw("</dd>");

    private static IResult AuthorityPage(RegistryService registry, string id)
    {
        AuthorityView? authority = registry.Authorities.ListAuthorities().Find(a => a.Id == id);
        if (authority is null)
        {
            return HtmlResult(new Html().Raw("<p>There is no authority ").Text(id).Raw(".</p>"), "Not found", status: 404);
        }

        var html = new Html();
        html.Raw("<dl>");
        Field(html, "Jurisdiction", Html.Encode(authority.Jurisdiction));
        Field(html, "Web site", $"<a href=\"{Html.Encode(authority.Url)}\">{Html.Encode(authority.Url)}</a>");
        Field(html, "Registered", $"log entry {authority.LogIndex.ToString(CultureInfo.InvariantCulture)}");
        OrderList orders = registry.Queries.ListOrders(id, 100, null);
        html.Raw("</dl><h2>Orders</h2><p>Download: <a href=\"/orders.csv?authority=").Text(Uri.EscapeDataString(id)).Raw("\">CSV</a>, <a href=\"/orders.json?authority=")
            .Text(Uri.EscapeDataString(id)).Raw("\">JSON</a>. Subscribe: <a href=\"/feed.atom?authority=").Text(Uri.EscapeDataString(id)).Raw("\">Atom feed</a>.</p>");
        OrderTable(html, orders.Orders);
        if (orders.Next is not null)
        {
            html.Raw("<p><a rel=\"next\" href=\"/orders?authority=").Text(Uri.EscapeDataString(id)).Raw("&after=").Text(orders.Next).Raw("\">Older orders</a></p>");
        }
        return HtmlResult(html, authority.Name);
    }

    private static Html OperatorsPage(RegistryService registry)
    {
        var html = new Html().Raw("<p>Operators enforce the registry's versions. Each of their enforcement points signs an acknowledgement of the version it enforces; ")
            .Raw("the acknowledgements are entries of the public log.</p>");
        List<OperatorView> operators = registry.Operators.List();
        if (operators.Count == 0)
        {
            return html.Raw("<p>None registered.</p>");
        }

        html.Raw("<table><thead><tr><th scope=\"col\">Operator</th><th scope=\"col\">Kind</th><th scope=\"col\">Country</th><th scope=\"col\">Points</th><th scope=\"col\">Latest version acknowledged</th></tr></thead><tbody>");
        foreach (OperatorView op in operators)
        {
            long? acked = op.Points.Max(p => p.AckedVersion);
            html.Raw("<tr><td><a href=\"/operators/").Text(Uri.EscapeDataString(op.Id)).Raw("\">").Text(op.Name).Raw("</a></td><td>").Text(op.Kind).Raw("</td><td>").Text(op.Country)
                .Raw("</td><td>").Text(op.Points.Count.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>").Text(acked?.ToString(CultureInfo.InvariantCulture) ?? "none").Raw("</td></tr>");
        }

        return html.Raw("</tbody></table>");
    }

    private static IResult OperatorPage(RegistryService registry, string id)
    {
        OperatorView? op = registry.Operators.Get(id);
        if (op is null)
        {
            return HtmlResult(new Html().Raw("<p>There is no operator ").Text(id).Raw(".</p>"), "Not found", status: 404);
        }

        var html = new Html().Raw("<dl>");
        Field(html, "Kind", Html.Encode(op.Kind));
        Field(html, "Country", Html.Encode(op.Country));
        Field(html, "Web site", $"<a href=\"{Html.Encode(op.Url)}\">{Html.Encode(op.Url)}</a>");
        Field(html, "Behind the latest version by", Html.Encode($"{op.Lag ?? 0} version(s)"));
        Field(html, "Orders within their deadline, not yet acknowledged", Html.Encode((op.Pending ?? 0).ToString(CultureInfo.InvariantCulture)));
        html.Raw("</dl><h2>Enforcement points</h2><table><thead><tr><th scope=\"col\">Point</th><th scope=\"col\">Key</th><th scope=\"col\">Version acknowledged</th></tr></thead><tbody>");
        foreach (PointView point in op.Points)
        {
            html.Raw("<tr><td>").Text(point.Id).Raw("</td><td><code>").Text(point.Key).Raw("</code></td><td>").Text(point.AckedVersion?.ToString(CultureInfo.InvariantCulture) ?? "none").Raw("</td></tr>");
        }

        html.Raw("</tbody></table><h2 id=\"overdue\">Overdue orders</h2>");
        if (op.Overdue is not { Count: > 0 } overdue)
        {
            html.Raw("<p>None.</p>");
        }
        else
        {
            html.Raw("<table><thead><tr><th scope=\"col\">Order</th><th scope=\"col\">Category</th><th scope=\"col\">In version</th><th scope=\"col\">Published</th><th scope=\"col\">Deadline</th></tr></thead><tbody>");
            foreach (OverdueOrder order in overdue)
            {
                var reference = OrderReference.Parse(order.Order);
                html.Raw("<tr><td><a href=\"").Text(OrderPath(reference.Authority, reference.Decision)).Raw("\">").Text(order.Order).Raw("</a></td><td>").Text(order.Category)
                    .Raw("</td><td>").Text(order.Version.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>").Text(order.Published).Raw("</td><td>").Text(order.Deadline).Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
        }

        OperatorMeasurements measurements = registry.Probes.ForOperator(id);
        html.Raw("<h2 id=\"measured\">Measured</h2>");
        if (measurements.Measured == 0)
        {
            html.Raw("<p>No probe in this operator's networks has reported yet.</p>");
        }
        else
        {
            int ordered = measurements.Enforced + measurements.EnforcedUnattributed + measurements.NotEnforced;
            string Share(int n) => ordered == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({100.0 * n / ordered:0.#} %)");
            html.Raw("<p>Probes in ").Text(string.Join(", ", measurements.Networks)).Raw(" measured ").Text(measurements.Measured.ToString(CultureInfo.InvariantCulture))
                .Raw(" resources (latest measurement of each; <a href=\"/v1/measurements?network=").Text(Uri.EscapeDataString(measurements.Networks[0])).Raw("&amp;format=csv\">CSV</a>).</p><dl>");
            Field(html, "Ordered and blocked, with the order named", Html.Encode(measurements.Enforced.ToString(CultureInfo.InvariantCulture) + Share(measurements.Enforced)));
            Field(html, "Ordered and blocked, without saying why", Html.Encode(measurements.EnforcedUnattributed.ToString(CultureInfo.InvariantCulture) + Share(measurements.EnforcedUnattributed)));
            Field(html, "Ordered but reachable", Html.Encode(measurements.NotEnforced.ToString(CultureInfo.InvariantCulture) + Share(measurements.NotEnforced)));
            Field(html, "Blocked with no order (collateral damage)", Html.Encode(measurements.OverBlocked.Count.ToString(CultureInfo.InvariantCulture)));
            html.Raw("</dl>");
            if (measurements.OverBlocked.Count > 0)
            {
                html.Raw("<h3>Over-blocked resources</h3>");
                MeasurementTable(html, measurements.OverBlocked);
            }
        }

        return HtmlResult(html, op.Name);
    }

    private static void MeasurementTable(Html html, List<MeasurementView> measurements)
    {
        html.Raw("<table><thead><tr><th scope=\"col\">Resource</th><th scope=\"col\">Network</th><th scope=\"col\">Verdict</th><th scope=\"col\">How</th><th scope=\"col\">Likely cause</th><th scope=\"col\">Measured</th><th scope=\"col\">Probe</th></tr></thead><tbody>");
        foreach (MeasurementView m in measurements)
        {
            html.Raw("<tr><td><code>").Text(m.Input).Raw("</code></td><td>").Text(m.Network).Raw("</td><td>").Text(m.Verdict).Raw("</td><td>").Text(m.Blocking ?? "")
                .Raw("</td><td>").Text(m.Cause ?? "").Raw("</td><td>").Text(m.Measured).Raw("</td><td>").Text(m.Probe).Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
    }

    private static Html MirrorsPage(RegistryService registry)
    {
        var html = new Html().Raw("<p>This registry follows the public logs of these foreign registries and verifies every entry. Their orders are shown here ")
            .Raw("for accountability and are <strong>never enforced</strong> by this registry: only a domestic order, which cites the foreign one in its own log entry, is.</p>");
        if (registry.Mirrors.Count == 0)
        {
            return html.Raw("<p>None.</p>");
        }

        html.Raw("<table><thead><tr><th scope=\"col\">Log</th><th scope=\"col\">Registry</th><th scope=\"col\">Verified entries</th><th scope=\"col\">Orders</th><th scope=\"col\">Not cited here</th><th scope=\"col\">State</th></tr></thead><tbody>");
        foreach (LogMirror mirror in registry.Mirrors)
        {
            MirrorView view = mirror.View(registry.CitedBy);
            html.Raw("<tr><td><a href=\"/mirror?origin=").Text(Uri.EscapeDataString(view.Origin)).Raw("\">").Text(view.Origin).Raw("</a></td><td>").Text(view.Url)
                .Raw("</td><td>").Text(view.Size.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>").Text(view.Orders.Count.ToString(CultureInfo.InvariantCulture))
                .Raw("</td><td>").Text(view.Orders.Count(o => o.CitedBy.Count == 0).ToString(CultureInfo.InvariantCulture)).Raw("</td><td>")
                .Text(view.Fork is not null ? "SHOWED TWO HISTORIES; following stopped" : view.LastError is null ? "following" : "unreachable: " + view.LastError).Raw("</td></tr>");
        }

        return html.Raw("</tbody></table>");
    }

    private static IResult MirrorPage(RegistryService registry, string origin)
    {
        LogMirror? mirror = registry.Mirrors.FirstOrDefault(m => m.Origin == origin);
        if (mirror is null)
        {
            return HtmlResult(new Html().Raw("<p>This registry does not mirror the log ").Text(origin).Raw(".</p>"), "Not found", status: 404);
        }

        MirrorView view = mirror.View(registry.CitedBy);
        var html = new Html().Raw("<p>Mirrored from <code>").Text(view.Url).Raw("</code>, log key <code>").Text(view.Key).Raw("</code>. ")
            .Raw("These orders are the foreign registry's; this registry <strong>does not enforce</strong> them.</p>");
        if (view.Fork is { } fork)
        {
            html.Raw("<h2 id=\"fork\">This log showed two histories</h2><p>").Text(fork.Reason)
                .Raw(". Both checkpoints below are signed with the log's key and cannot both be true; following stopped, and what was verified before is kept.</p><h3>Verified</h3><pre>")
                .Text(fork.VerifiedCheckpoint).Raw("</pre><h3>Contradicting</h3><pre>").Text(fork.ConflictingCheckpoint).Raw("</pre>");
        }

        Checkpoint? checkpoint = view.Checkpoint is null ? null : Checkpoint.Parse(SignedNote.Parse(view.Checkpoint).Text);
        html.Raw("<h2>Orders</h2><p>Each proof shows that the order's issuing entry is in the foreign tree of size ").Text(view.Size.ToString(CultureInfo.InvariantCulture))
            .Raw(" whose root is <code id=\"root\">").Text(checkpoint is null ? "" : Convert.ToBase64String(checkpoint.RootHash))
            .Raw("</code>; this page checks each proof in your browser.</p><table><thead><tr><th scope=\"col\">Order</th><th scope=\"col\">Authority</th><th scope=\"col\">Category</th><th scope=\"col\">Targets</th><th scope=\"col\">Status</th><th scope=\"col\">Cited here by</th><th scope=\"col\">Inclusion proof</th></tr></thead><tbody>");
        foreach (MirroredOrderView order in view.Orders)
        {
            html.Raw("<tr><td>").Text(order.Reference).Raw("<br>").Text(order.Summary).Raw("</td><td>").Text(order.AuthorityName ?? order.Authority).Raw("</td><td>").Text(order.Category)
                .Raw("</td><td>").Text(string.Join(' ', order.Targets)).Raw("</td><td>").Text(order.Status).Raw("</td><td>");
            if (order.CitedBy.Count == 0)
            {
                html.Raw("<em>no domestic order</em>");
            }

            foreach (string citing in order.CitedBy)
            {
                var reference = OrderReference.Parse(citing);
                html.Raw("<a href=\"").Text(OrderPath(reference.Authority, reference.Decision)).Raw("\">").Text(citing).Raw("</a> ");
            }

            string proof = string.Join(' ', order.InclusionProof);
            html.Raw("</td><td class=\"proof\" data-index=\"").Text(order.LogIndex.ToString(CultureInfo.InvariantCulture)).Raw("\" data-size=\"")
                .Text(view.Size.ToString(CultureInfo.InvariantCulture)).Raw("\" data-leaf=\"").Text(order.LeafHash).Raw("\" data-proof=\"").Text(proof)
                .Raw("\"><span class=\"verdict\">not checked</span> <details><summary>proof</summary><code>").Text(proof).Raw("</code></details></td></tr>");
        }

        html.Raw("</tbody></table><h2>Signed checkpoint</h2><pre>").Text(view.Checkpoint ?? "").Raw("</pre><script>").Raw(ProofScript).Raw("</script>");
        return HtmlResult(html, "Mirror of " + view.Origin);
    }

    private static Html VerifyPage(RegistryService registry) => new Html()
        .Raw("<p>This registry is a C2SP tlog-tiles transparency log: anyone can download every entry and check that the log only ever grows. ")
        .Raw("Run the auditor yourself:</p><pre>palisade verify --log ").Text(registry.PublicUrl).Raw("/log/ --key '").Text(registry.Log.VerifierKey).Raw("'</pre>")
        .Raw("<p>It checks the checkpoint's signature, re-hashes every entry and tile, and keeps the checkpoint in a state file, so the next run proves the new log extends the old one. ")
        .Raw("<code>palisade bundle rebuild --log URL --version N</code> rebuilds what operators enforce from the log alone.</p>");

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
            verdict.textContent = ok ? 'verified' : 'DOES NOT VERIFY';
            cell.dataset.verified = ok;
          }
        })();
        """;
}

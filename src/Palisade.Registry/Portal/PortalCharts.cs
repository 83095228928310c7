using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Palisade.Log.Events;

namespace Palisade.Registry.Portal;

/// <summary>
/// Pictures of blocking over time, drawn on the server as SVG (no script needed to see them) from the public log:
/// orders and targets in force at each of <see cref="Samples"/> moments from the first order to now, and the targets
/// in force now by category, for the whole registry or one authority. The numbers are at <c>/stats/in-force.csv</c>
/// and <c>/stats/categories.csv</c> (<c>?authority=</c> for one authority).
/// </summary>
internal static class PortalCharts
{
    /// <summary>The moments a time chart samples.</summary>
    public const int Samples = 48;

    /// <summary>The most log entries read into the history at once.</summary>
    private const int ReadChunk = 10_000;

    public static void Map(WebApplication app, RegistryService registry)
    {
        app.MapGet("/stats/in-force.csv", (HttpContext context) =>
        {
            var csv = new StringBuilder("time,orders,targets\r\n");
            foreach (Point p in Series(registry, History.Of(registry).Orders(Authority(registry, context))))
            {
                csv.Append(Time(p.TimeMs)).Append(',').Append(p.Orders.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(p.Targets.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            }

            return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
        });
        app.MapGet("/stats/categories.csv", (HttpContext context) =>
        {
            var csv = new StringBuilder("category,orders,targets\r\n");
            foreach ((string category, int orders, long targets) in Categories(registry, History.Of(registry).Orders(Authority(registry, context))))
            {
                csv.Append(Palisade.Formats.PolicyExporter.Csv(category)).Append(',').Append(orders.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(targets.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            }

            return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
        });
    }

    private static string? Authority(RegistryService registry, HttpContext context)
    {
        string? authority = context.Request.Query["authority"];
        return authority is null || registry.Authorities.ListAuthorities().Exists(a => a.Id == authority)
            ? authority
            : throw RegistryProblem.NotFound($"there is no authority '{authority}'");
    }

    /// <summary>The charts' section of a page: two time charts and the bars by category, each with its numbers as CSV.</summary>
    public static void Section(Html html, RegistryService registry, string? authority)
    {
        PortalLanguage l = html.Language;
        string filter = authority is null ? "" : "?authority=" + Uri.EscapeDataString(authority);
        html.Raw("<section aria-labelledby=\"charts\"><h2 id=\"charts\">").T("ChartTitle").Raw("</h2>");
        // The log is read as far as it grew once per page, for both pictures.
        List<OrderHistory> orders = History.Of(registry).Orders(authority);
        List<Point> series = Series(registry, orders);
        if (series.Count == 0 || series.TrueForAll(p => p.Orders == 0))
        {
            html.Raw("<p>").T("ChartEmpty").Raw("</p></section>");
            return;
        }

        string csv = "<a href=\"/stats/in-force.csv" + Html.Encode(filter) + "\">CSV</a>";
        Line(html, "chart-orders", l["ChartOrders"], series, p => p.Orders, "#0a58ca");
        Line(html, "chart-targets", l["ChartTargets"], series, p => p.Targets, "#b02a37");
        html.Raw("<p>").M("ChartNumbers", csv).Raw("</p>");
        List<(string Category, int Orders, long Targets)> categories = Categories(registry, orders);
        if (categories.Count > 0)
        {
            Bars(html, l["ChartByCategory"], categories);
            html.Raw("<p>").M("ChartNumbers", "<a href=\"/stats/categories.csv" + Html.Encode(filter) + "\">CSV</a>").Raw("</p>");
        }

        html.Raw("</section>");
    }

    private const int Width = 640, Height = 220, Left = 64, Right = 16, Top = 16, Bottom = 40;

    private static void Line(Html html, string id, string title, List<Point> series, Func<Point, long> value, string colour)
    {
        PortalLanguage l = html.Language;
        long max = Math.Max(1, series.Max(value));
        long first = series[0].TimeMs, last = series[^1].TimeMs;
        double X(long t) => Left + (Width - Left - Right) * (last == first ? 1 : (t - first) / (double)(last - first));
        double Y(long v) => Height - Bottom - (Height - Top - Bottom) * (v / (double)max);
        var points = new StringBuilder();
        long previous = value(series[0]);
        points.Append(F(X(first))).Append(',').Append(F(Y(previous)));
        foreach (Point p in series.Skip(1))
        {
            // A step line: a count holds until the moment it changes.
            if (value(p) != previous)
            {
                points.Append(' ').Append(F(X(p.TimeMs))).Append(',').Append(F(Y(previous)));
                previous = value(p);
                points.Append(' ').Append(F(X(p.TimeMs))).Append(',').Append(F(Y(previous)));
            }
        }

        points.Append(' ').Append(F(X(last))).Append(',').Append(F(Y(previous)));

        string now = l.Number(value(series[^1]));
        string description = $"{title}: {l.Number(value(series[0]))} ({l.Time(Time(first))}) → {now} ({l.Time(Time(last))}), ≤ {l.Number(max)}.";
        html.Raw("<figure><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 ").Raw(Width.ToString(CultureInfo.InvariantCulture)).Raw(" ")
            .Raw(Height.ToString(CultureInfo.InvariantCulture)).Raw("\" width=\"100%\" aria-labelledby=\"").Raw(id).Raw("-t ").Raw(id).Raw("-d\"><title id=\"").Raw(id).Raw("-t\">")
            .Text(title).Raw("</title><desc id=\"").Raw(id).Raw("-d\">").Text(description).Raw("</desc>");
        Axes(html, l.Number(max), l.Time(Time(first)), l.Time(Time(last)));
        html.Raw("<polyline fill=\"none\" stroke=\"").Raw(colour).Raw("\" stroke-width=\"2\" points=\"").Raw(points.ToString()).Raw("\"/></svg><figcaption>")
            .Text(title).Raw(": ").Text(now).Raw("</figcaption></figure>");
    }

    private static void Axes(Html html, string max, string from, string to)
    {
        string bottom = F(Height - Bottom), right = F(Width - Right);
        html.Raw("<line x1=\"").Raw(F(Left)).Raw("\" y1=\"").Raw(F(Top)).Raw("\" x2=\"").Raw(F(Left)).Raw("\" y2=\"").Raw(bottom).Raw("\" stroke=\"#555\"/>")
            .Raw("<line x1=\"").Raw(F(Left)).Raw("\" y1=\"").Raw(bottom).Raw("\" x2=\"").Raw(right).Raw("\" y2=\"").Raw(bottom).Raw("\" stroke=\"#555\"/>")
            .Raw("<text x=\"").Raw(F(Left - 6)).Raw("\" y=\"").Raw(F(Top + 4)).Raw("\" text-anchor=\"end\">").Text(max).Raw("</text>")
            .Raw("<text x=\"").Raw(F(Left - 6)).Raw("\" y=\"").Raw(bottom).Raw("\" text-anchor=\"end\">0</text>")
            .Raw("<text x=\"").Raw(F(Left)).Raw("\" y=\"").Raw(F(Height - 12)).Raw("\">").Text(from).Raw("</text>")
            .Raw("<text x=\"").Raw(right).Raw("\" y=\"").Raw(F(Height - 12)).Raw("\" text-anchor=\"end\">").Text(to).Raw("</text>");
    }

    private static void Bars(Html html, string title, List<(string Category, int Orders, long Targets)> categories)
    {
        PortalLanguage l = html.Language;
        const int Row = 24, LabelWidth = 160;
        int height = Top + (Row * categories.Count) + 8;
        long max = Math.Max(1, categories.Max(c => c.Targets));
        string description = title + ": " + string.Join("; ", categories.Select(c => $"{c.Category} {l.Number(c.Targets)}"));
        html.Raw("<figure><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 ").Raw(Width.ToString(CultureInfo.InvariantCulture)).Raw(" ")
            .Raw(height.ToString(CultureInfo.InvariantCulture)).Raw("\" width=\"100%\" aria-labelledby=\"chart-categories-t chart-categories-d\"><title id=\"chart-categories-t\">")
            .Text(title).Raw("</title><desc id=\"chart-categories-d\">").Text(description).Raw("</desc>");
        for (int i = 0; i < categories.Count; i++)
        {
            (string category, _, long targets) = categories[i];
            double y = Top + (i * Row);
            double width = (Width - LabelWidth - 80) * (targets / (double)max);
            html.Raw("<text x=\"").Raw(F(LabelWidth - 8)).Raw("\" y=\"").Raw(F(y + 15)).Raw("\" text-anchor=\"end\">").Text(category).Raw("</text>")
                .Raw("<rect x=\"").Raw(F(LabelWidth)).Raw("\" y=\"").Raw(F(y + 3)).Raw("\" width=\"").Raw(F(Math.Max(1, width))).Raw("\" height=\"").Raw(F(Row - 8))
                .Raw("\" fill=\"#0a58ca\"/><text x=\"").Raw(F(LabelWidth + Math.Max(1, width) + 6)).Raw("\" y=\"").Raw(F(y + 15)).Raw("\">").Text(l.Number(targets)).Raw("</text>");
        }

        html.Raw("</svg><figcaption>").Text(title).Raw("</figcaption></figure>");
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>One sample: orders and targets in force at a moment.</summary>
    internal readonly record struct Point(long TimeMs, long Orders, long Targets);

    /// <summary>Orders and targets in force at <see cref="Samples"/> moments from the first order's issue to now, of
    /// one authority or all.</summary>
    private static List<Point> Series(RegistryService registry, List<OrderHistory> orders)
    {
        if (orders.Count == 0)
        {
            return [];
        }

        long now = registry.Time.GetUtcNow().ToUnixTimeMilliseconds();
        // From the first order's issue: an order is never in force before the log holds it.
        long start = orders.Min(o => o.IssuedMs);
        start = Math.Min(start, now);
        var points = new List<Point>(Samples);
        for (int i = 0; i < Samples; i++)
        {
            long t = start + ((now - start) * i / (Samples - 1));
            long inForce = 0, targets = 0;
            foreach (OrderHistory order in orders)
            {
                if (order.TargetsAt(t) is long count)
                {
                    inForce++;
                    targets += count;
                }
            }

            points.Add(new Point(t, inForce, targets));
        }

        return points;
    }

    /// <summary>Orders and targets in force now by category, most targets first.</summary>
    private static List<(string Category, int Orders, long Targets)> Categories(RegistryService registry, List<OrderHistory> orders)
    {
        long now = registry.Time.GetUtcNow().ToUnixTimeMilliseconds();
        return [.. orders
            .Select(o => (o.Category, Count: o.TargetsAt(now)))
            .Where(o => o.Count is not null)
            .GroupBy(o => o.Category, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.Sum(o => o.Count!.Value)))
            .OrderByDescending(c => c.Item3).ThenBy(c => c.Key, StringComparer.Ordinal)];
    }

    /// <summary>One order as the log tells it: when it was issued, in force from, its targets and expiry after each
    /// event, and when it was revoked.</summary>
    private sealed class OrderHistory(string authority, string category, long issuedMs, long effectiveMs)
    {
        public string Authority { get; } = authority;

        public string Category { get; } = category;

        public long IssuedMs { get; } = issuedMs;

        public long EffectiveMs { get; } = effectiveMs;

        public long? RevokedMs { get; set; }

        /// <summary>After each event: its time, the target count and the expiry.</summary>
        public List<(long TimeMs, int Targets, long? ExpiresMs)> Changes { get; } = [];

        /// <summary>The targets in force at <paramref name="t"/>, or null when the order is not in force then.</summary>
        public long? TargetsAt(long t)
        {
            if (t < IssuedMs || (RevokedMs is long revoked && revoked <= t))
            {
                return null;
            }

            (long _, int targets, long? expires) = Changes[0];
            foreach ((long time, int count, long? expiry) in Changes)
            {
                if (time > t)
                {
                    break;
                }

                (targets, expires) = (count, expiry);
            }

            return Palisade.Policy.PolicyOrder.InForceAt(EffectiveMs, expires, t) ? targets : null;
        }
    }

    /// <summary>The orders' histories, read from the log once and then only as far as it grew.</summary>
    private sealed class History
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RegistryService, History> s_histories = [];
        private readonly Lock _gate = new();
        private readonly Dictionary<string, OrderHistory> _orders = new(StringComparer.Ordinal);
        private ulong _read;

        public static History Of(RegistryService registry) => s_histories.GetValue(registry, _ => new History()).CatchUp(registry);

        private History CatchUp(RegistryService registry)
        {
            lock (_gate)
            {
                ulong size = registry.Log.Size;
                while (_read < size)
                {
                    int count = (int)Math.Min(ReadChunk, size - _read);
                    List<byte[]> entries = registry.Queries.ReadEntries(_read, count);
                    ulong first = _read;

                    // Events are committed whole, but a chunk may end inside one: only whole events are applied, and the
                    // next read starts where the first unfinished event starts.
                    ulong next = first;
                    foreach ((ulong index, int span, LogEvent evt) in LogEvents.Join(entries.Select((e, i) => (first + (ulong)i, e))))
                    {
                        if (index + (ulong)span > first + (ulong)entries.Count)
                        {
                            break;
                        }

                        Apply(evt);
                        next = index + (ulong)span;
                    }

                    if (next == first)
                    {
                        break;
                    }

                    _read = next;
                }

                return this;
            }
        }

        private void Apply(LogEvent evt)
        {
            long time = evt.Time.ToUnixTimeMilliseconds();
            switch (evt)
            {
                case OrderIssued issued:
                    var order = new OrderHistory(issued.Authority, issued.Category, time, issued.Effective.ToUnixTimeMilliseconds());
                    order.Changes.Add((time, issued.Targets.Count, issued.Expires?.ToUnixTimeMilliseconds()));
                    _orders[issued.Reference.ToString()] = order;
                    break;
                case OrderAmended amended when _orders.TryGetValue(amended.Reference.ToString(), out OrderHistory? changed):
                    // The registry adds only targets the order lacks and removes only those it has, so counts suffice
                    // (holding every target of a national register here would cost hundreds of megabytes).
                    (_, int targets, long? was) = changed.Changes[^1];
                    long? expires = amended.Expires.IsChanged ? amended.Expires.Expires?.ToUnixTimeMilliseconds() : was;
                    changed.Changes.Add((time, targets + amended.Add.Count - amended.Remove.Count, expires));
                    break;
                case OrderRevoked revoked when _orders.TryGetValue(revoked.Reference.ToString(), out OrderHistory? ended):
                    ended.RevokedMs = time;
                    break;
            }
        }

        public List<OrderHistory> Orders(string? authority)
        {
            lock (_gate)
            {
                return [.. _orders.Values.Where(o => authority is null || o.Authority == authority)];
            }
        }
    }
}

using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;
using Palisade.Core;

namespace Palisade.Registry.Portal;

/// <summary>
/// <c>GET /feed.atom</c>: an Atom feed (RFC 4287) of orders issued, amended and revoked, newest first, for everyone,
/// one authority (<c>?authority=</c>) or one category (<c>?category=</c>). Each entry is one event of the published
/// log, identified by its log index, and links to the order's page.
/// </summary>
internal static class AtomFeed
{
    /// <summary>The most entries a feed document carries.</summary>
    public const int MaxEntries = 100;

    private const string AtomNamespace = "http://www.w3.org/2005/Atom";

    public static IResult Serve(RegistryService registry, HttpContext context)
    {
        string? authority = context.Request.Query["authority"];
        string? category = context.Request.Query["category"];
        (List<(long Index, string Type, long TimeMs, OrderRow Order)> events, Dictionary<string, string> names) = registry.Queries.RecentOrderEvents(authority, category, MaxEntries);

        if (authority is not null && !names.ContainsKey(authority))
        {
            throw RegistryProblem.NotFound($"there is no authority '{authority}'");
        }

        string self = registry.PublicUrl.TrimEnd('/') + "/feed.atom" + context.Request.QueryString.Value;
        string title = authority is not null ? $"Orders of {names[authority]}" : category is not null ? $"Orders in the category {category}" : "Blocking orders";
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true };
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feed", AtomNamespace);
            xml.WriteElementString("id", AtomNamespace, self);
            xml.WriteElementString("title", AtomNamespace, title + " — Palisade registry " + registry.Log.Origin);
            xml.WriteElementString("subtitle", AtomNamespace, "Orders issued, amended and revoked, as the registry's public transparency log records them.");
            xml.WriteElementString("updated", AtomNamespace, Time(events.Count > 0 ? events[0].TimeMs : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            Link(xml, "self", self, "application/atom+xml");
            Link(xml, "alternate", registry.PublicUrl.TrimEnd('/') + (authority is null ? "/" : "/authorities/" + Uri.EscapeDataString(authority)), "text/html");
            xml.WriteStartElement("author", AtomNamespace);
            xml.WriteElementString("name", AtomNamespace, "Palisade registry " + registry.Log.Origin);
            xml.WriteElementString("uri", AtomNamespace, registry.PublicUrl.TrimEnd('/') + "/");
            xml.WriteEndElement();
            xml.WriteElementString("generator", AtomNamespace, "Palisade");
            foreach ((long index, string type, long timeMs, OrderRow order) in events)
            {
                var reference = new OrderReference(order.Authority, order.Decision);
                string page = reference.PageUrl(registry.PublicUrl);
                string verb = type switch { "order.issued" => "issued", "order.amended" => "amended", _ => "revoked" };
                xml.WriteStartElement("entry", AtomNamespace);
                xml.WriteElementString("id", AtomNamespace, page + "#log-" + index.ToString(CultureInfo.InvariantCulture));
                xml.WriteElementString("title", AtomNamespace, $"Order {reference} {verb}");
                xml.WriteElementString("updated", AtomNamespace, Time(timeMs));
                xml.WriteElementString("published", AtomNamespace, Time(timeMs));
                Link(xml, "alternate", page, "text/html");
                Link(xml, "related", reference.ApiUrl(registry.PublicUrl), "application/json");
                xml.WriteStartElement("author", AtomNamespace);
                xml.WriteElementString("name", AtomNamespace, names.GetValueOrDefault(order.Authority, order.Authority));
                xml.WriteEndElement();
                xml.WriteStartElement("category", AtomNamespace);
                xml.WriteAttributeString("term", order.Category);
                xml.WriteEndElement();
                xml.WriteElementString("summary", AtomNamespace,
                    $"{order.IssuingBody}, decision {order.Decision} of {order.DecisionDate} ({order.LegalBasis}), {verb} at log index {index.ToString(CultureInfo.InvariantCulture)}: {order.Summary}");
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return Results.Bytes(buffer.ToArray(), "application/atom+xml; charset=utf-8");
    }

    private static void Link(XmlWriter xml, string rel, string href, string type)
    {
        xml.WriteStartElement("link", AtomNamespace);
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("type", type);
        xml.WriteAttributeString("href", href);
        xml.WriteEndElement();
    }

    /// <summary>An RFC 3339 date-time in UTC, as Atom requires (RFC 4287 §3.3).</summary>
    private static string Time(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

using System.Net;
using System.ServiceModel.Syndication;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;

namespace Palisade.Registry.Tests;

/// <summary><c>/feed.atom</c>: new, amended and revoked orders as an Atom feed (RFC 4287), read back with .NET's Atom
/// reader and checked against the format's requirements, for everyone, per authority and per category.</summary>
public abstract class AtomFeedTests(RegistryStoreKind store) : StoreTests(store)
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    [Fact]
    public async Task Feed_ListsIssuedAmendedRevokedOrders_NewestFirst_LinkingToOrderPages()
    {
        await using RegistryFixture f = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("27-31-2018/Ид4412-18", "telegram.org"))).StatusCode);
        JsonObject film = RegistryFixture.Order("AG-1", "film.example");
        film["category"] = "copyright";
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, film)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18/amend", f.RknKey,
            new JsonObject { ["add"] = new JsonArray("t.me") })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/agcom/AG-1/revoke", f.AgcomKey, new JsonObject { ["reason"] = "annulled" })).StatusCode);

        (SyndicationFeed feed, XDocument xml) = await ReadAsync(f, "/feed.atom");
        Assert.Equal(["Order agcom/AG-1 revoked", "Order rkn/27-31-2018/Ид4412-18 amended", "Order agcom/AG-1 issued", "Order rkn/27-31-2018/Ид4412-18 issued"],
            feed.Items.Select(i => i.Title.Text));
        SyndicationItem amended = feed.Items.ElementAt(1);
        Uri page = amended.Links.Single(l => l.RelationshipType == "alternate").Uri;
        Assert.EndsWith("/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18", page.OriginalString, StringComparison.Ordinal);
        using (HttpResponseMessage response = await f.Http.GetAsync(page.PathAndQuery, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("27-31-2018/Ид4412-18", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        Assert.Equal("court-order", amended.Categories.Single().Name);
        Assert.Equal("Roskomnadzor", amended.Authors.Single().Name);
        Assert.Equal(feed.Items.Count(), feed.Items.Select(i => i.Id).Distinct().Count());
        Assert.True(feed.Items.Select(i => i.LastUpdatedTime).SequenceEqual(feed.Items.Select(i => i.LastUpdatedTime).OrderDescending()));

        // RFC 4287 §4.1.1 and §4.1.2: what a feed and each entry must hold.
        XElement root = xml.Root!;
        Assert.Equal(Atom + "feed", root.Name);
        foreach (string required in (string[])["id", "title", "updated", "author"])
        {
            Assert.Single(root.Elements(Atom + required));
        }

        Assert.Single(root.Elements(Atom + "link"), l => (string?)l.Attribute("rel") == "self");
        foreach (XElement entry in root.Elements(Atom + "entry"))
        {
            foreach (string required in (string[])["id", "title", "updated", "summary"])
            {
                Assert.Single(entry.Elements(Atom + required));
            }

            Assert.True(Uri.TryCreate(entry.Element(Atom + "id")!.Value, UriKind.Absolute, out Uri? id) && id.Scheme == "http", entry.Element(Atom + "id")!.Value);
            Assert.Single(entry.Elements(Atom + "link"), l => (string?)l.Attribute("rel") == "alternate" && (string?)l.Attribute("type") == "text/html");
            Assert.True(DateTimeOffset.TryParse(entry.Element(Atom + "updated")!.Value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _));
            Assert.EndsWith("Z", entry.Element(Atom + "updated")!.Value, StringComparison.Ordinal);
        }

        // Per authority and per category.
        (feed, _) = await ReadAsync(f, "/feed.atom?authority=agcom");
        Assert.Equal(["Order agcom/AG-1 revoked", "Order agcom/AG-1 issued"], feed.Items.Select(i => i.Title.Text));
        Assert.Contains("AGCOM", feed.Title.Text, StringComparison.Ordinal);
        (feed, _) = await ReadAsync(f, "/feed.atom?category=court-order");
        Assert.Equal(["Order rkn/27-31-2018/Ид4412-18 amended", "Order rkn/27-31-2018/Ид4412-18 issued"], feed.Items.Select(i => i.Title.Text));
        (feed, _) = await ReadAsync(f, "/feed.atom?category=csam");
        Assert.Empty(feed.Items);

        using HttpResponseMessage unknown = await f.Http.GetAsync("/feed.atom?authority=nobody", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);

        // The portal announces the feeds.
        string home = await f.Http.GetStringAsync("/", TestContext.Current.CancellationToken);
        Assert.Contains("type=\"application/atom+xml\"", home, StringComparison.Ordinal);
        string authority = await f.Http.GetStringAsync("/authorities/agcom", TestContext.Current.CancellationToken);
        Assert.Contains("/feed.atom?authority=agcom", authority, StringComparison.Ordinal);
    }

    private static async Task<(SyndicationFeed Feed, XDocument Xml)> ReadAsync(RegistryFixture f, string path)
    {
        using HttpResponseMessage response = await f.Http.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType!.MediaType);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        var formatter = new Atom10FeedFormatter();
        using (var reader = XmlReader.Create(new MemoryStream(bytes)))
        {
            Assert.True(formatter.CanRead(reader));
            formatter.ReadFrom(reader);
        }

        return (formatter.Feed, XDocument.Load(new MemoryStream(bytes)));
    }
}

/// <summary>On SQLite.</summary>
public sealed class AtomFeedTestsOnSqlite() : AtomFeedTests(RegistryStoreKind.Sqlite);

/// <summary>On PostgreSQL.</summary>
public sealed class AtomFeedTestsOnPostgres() : AtomFeedTests(RegistryStoreKind.Postgres);

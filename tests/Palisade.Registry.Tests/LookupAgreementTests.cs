using System.Net;
using System.Text.Json.Nodes;
using Palisade.Policy;

namespace Palisade.Registry.Tests;

/// <summary>Lookup answers with the enforcement points' matcher and "in force" rule: for every query it finds an order
/// exactly when the DNS server's compiled policy of the published version blocks, at the same clock.</summary>
public abstract class LookupAgreementTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Lookup_AgreesWithTheCompiledPolicyOfThePublishedVersion()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        JsonObject later = RegistryFixture.Order("PENDING", "pending.example");
        later["effective"] = "2027-01-01T00:00:00Z";
        JsonObject expiring = RegistryFixture.Order("EXPIRING", "expiring.example");
        expiring["expires"] = "2026-11-23T13:00:00Z";
        foreach (JsonObject order in new[]
        {
            RegistryFixture.Order("R-1", "telegram.org", "*.t.me", "149.154.160.0/20", "2001:67c:4e8::/48"),
            RegistryFixture.Order("R-2", "https://example.org/path/", "exact.example"),
            later, expiring,
        })
        {
            Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, order)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/R-2/revoke", f.RknKey, new JsonObject())).StatusCode);
        RegistryVersion version = f.Host.Registry.Versions.PublishVersion()!;
        CompiledPolicy enforced = CompiledPolicy.Build(PolicyBundle.Parse(await f.Http.GetByteArrayAsync($"/v1/bundles/{version.Version}", TestContext.Current.CancellationToken)));

        string[] names = ["telegram.org", "a.t.me", "deep.a.t.me", "t.me", "TELEGRAM.ORG.", "exact.example", "pending.example", "expiring.example", "other.example"];
        string[] addresses = ["149.154.161.1", "149.154.176.1", "::ffff:149.154.161.1", "2001:67c:4e8:f004::a", "2001:67c:4e9::1"];
        foreach (TimeSpan advance in new[] { TimeSpan.Zero, TimeSpan.FromHours(2) })
        {
            f.Time.Advance(advance);
            long now = f.Time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (string name in names)
            {
                bool found = f.Host.Registry.Queries.Lookup(name, null, null).Matches.Count > 0;
                bool blocked = enforced.TryMatchName(Core.DomainName.Parse(name).Value, now, out _, out _);
                Assert.True(found == blocked, $"{name} at {f.Time.GetUtcNow():O}: lookup {found}, DNS {blocked}");
            }

            foreach (string address in addresses)
            {
                bool found = f.Host.Registry.Queries.Lookup(null, null, address).Matches.Count > 0;
                bool blocked = enforced.TryMatchAddress(IPAddress.Parse(address).GetAddressBytes(), now, out _, out _);
                Assert.True(found == blocked, $"{address}: lookup {found}, DNS {blocked}");
            }
        }

        // The expiring order was found before its expiry and not after; the pending one never in this window.
        Assert.Empty(f.Host.Registry.Queries.Lookup("expiring.example", null, null).Matches);
        Assert.Empty(f.Host.Registry.Queries.Lookup("pending.example", null, null).Matches);
    }
}

/// <summary>LookupAgreementTests on SQLite.</summary>
public sealed class LookupAgreementTestsOnSqlite() : LookupAgreementTests(RegistryStoreKind.Sqlite);

/// <summary>LookupAgreementTests on PostgreSQL.</summary>
public sealed class LookupAgreementTestsOnPostgres() : LookupAgreementTests(RegistryStoreKind.Postgres);

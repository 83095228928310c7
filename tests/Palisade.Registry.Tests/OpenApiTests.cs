using System.Net;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>The served OpenAPI document and the mapped endpoints describe the same API.</summary>
public sealed class OpenApiTests
{
    private static readonly Dictionary<string, string> s_samples = new(StringComparer.Ordinal)
    {
        ["{level}"] = "0",
        ["{index}"] = "000",
        ["{id}"] = "ffffffffffff",
        ["{authority}"] = "rkn",
        ["{decision}"] = "R-1",
        ["{name}"] = "1",
        ["{sha256}"] = new string('0', 64),
    };

    [Fact]
    public async Task OpenApi_EveryDocumentedOperation_IsServed()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("R-1", "a.example"))).StatusCode);
        f.Host.Registry.Versions.PublishVersion();
        JsonObject document = await f.JsonAsync(await f.Http.GetAsync("/openapi.json", TestContext.Current.CancellationToken));
        Assert.Equal("3.1.0", document["openapi"]!.GetValue<string>());

        JsonObject paths = document["paths"]!.AsObject();
        Assert.NotEmpty(paths);
        foreach ((string path, JsonNode? item) in paths)
        {
            string concrete = s_samples.Aggregate(path, (p, sample) => p.Replace(sample.Key, sample.Value, StringComparison.Ordinal));
            Assert.DoesNotContain("{", concrete, StringComparison.Ordinal);
            foreach ((string method, JsonNode? operation) in item!.AsObject())
            {
                Assert.NotNull(operation!["responses"]);
                string? key = operation["security"] is null ? null : f.AdminKey;
                using HttpResponseMessage response = await f.SendAsync(new HttpMethod(method.ToUpperInvariant()), concrete, key, method == "post" ? new JsonObject() : null);
                string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.True(response.StatusCode != HttpStatusCode.MethodNotAllowed && !body.Contains("there is no resource at", StringComparison.Ordinal),
                    $"{method.ToUpperInvariant()} {path} is documented but not served: {(int)response.StatusCode} {body}");
            }
        }
    }

    [Fact]
    public async Task OpenApi_EveryMappedRoute_IsDocumented()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        JsonObject document = await f.JsonAsync(await f.Http.GetAsync("/openapi.json", TestContext.Current.CancellationToken));
        List<(string Method, string Path)> documented = [.. document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (o.Key.ToUpperInvariant(), p.Key)))];

        IReadOnlyList<(string Method, string Route)> routes = f.Host.Routes;
        Assert.Contains(routes, r => r.Route == "/v1/keys/{id}/rotate");
        // The API and the log; the portal's HTML pages are for people and are not part of the API.
        foreach ((string method, string route) in routes.Where(r => r.Route.StartsWith("/v1/", StringComparison.Ordinal) || r.Route.StartsWith("/log/", StringComparison.Ordinal)))
        {
            // A catch-all route ({**rest}) serves a family of documented paths below its prefix.
            int catchAll = route.IndexOf("{**", StringComparison.Ordinal);
            bool found = catchAll < 0
                ? documented.Contains((method, route))
                : documented.Any(d => d.Method == method && d.Path.StartsWith(route[..catchAll], StringComparison.Ordinal));
            Assert.True(found, $"{method} {route} is served but not in /openapi.json");
        }
    }
}

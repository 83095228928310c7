using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Palisade.Registry.Tests;

/// <summary>Every GET resource answers HEAD as it answers GET, without a body (RFC 9110 §9.3.2), so that curl -I,
/// monitors and caches see what is there.</summary>
public sealed class HeadTests
{
    [Fact]
    public async Task EveryGetResource_AnswersHeadAsGet_WithoutABody()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("H-1", "head.example", "https://head.example/page"))).StatusCode);
        Assert.NotNull(f.Host.Registry.Versions.PublishVersion());

        // Values for the route parameters of the registry's GET routes.
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["authority"] = "rkn", ["decision"] = "H-1", ["name"] = "1", ["id"] = "rkn", ["sha256"] = new string('0', 64), ["level"] = "0", ["index"] = "000",
            ["path"] = "0/000", ["origin"] = "none", ["lang"] = "en",
        };
        var paths = new SortedSet<string>(StringComparer.Ordinal) { "/v1/lookup?name=head.example", "/v1/orders/rkn/H-1", "/orders/rkn/H-1", "/log/tile/entries/000.p/1", "/log/tile/0/000.p/2" };
        foreach (RouteEndpoint endpoint in f.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>() is not { } methods || !methods.HttpMethods.Contains("GET"))
            {
                continue;
            }

            string path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => values.GetValueOrDefault(parameter.Name, "x"),
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
                _ => "",
            }))));
            paths.Add(path);
        }

        Assert.True(paths.Count > 30, string.Join(", ", paths));
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = f.BaseAddress };
        foreach (string path in paths)
        {
            using HttpResponseMessage get = await http.GetAsync(path, cancel);
            byte[] body = await get.Content.ReadAsByteArrayAsync(cancel);
            using HttpResponseMessage head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), cancel);
            Assert.True(get.StatusCode == head.StatusCode, $"{path}: GET {(int)get.StatusCode}, HEAD {(int)head.StatusCode}");
            Assert.Empty(await head.Content.ReadAsByteArrayAsync(cancel));
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
            // A length the server sent (HttpClient makes up 0 for an empty body when none was sent).
            if (head.Content.Headers.NonValidated.TryGetValues("Content-Length", out HeaderStringValues sent) && long.TryParse(sent.ToString(), out long length))
            {
                Assert.True(length == body.Length, $"{path}: HEAD says Content-Length {length}, GET sent {body.Length} bytes");
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/log/checkpoint"), cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/orders/rkn/H-1"), cancel)).StatusCode);
    }
}

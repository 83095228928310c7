using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Palisade.Cli;

/// <summary><c>GET /metrics</c> in the Prometheus text format (version 0.0.4), for <c>serve</c> (on the registry's
/// address) and for the enforcement points (on <c>--metrics</c>): each part writes its own families.</summary>
internal static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(IEndpointRouteBuilder app, params Action<TextWriter>[] parts) => app.MapGet("/metrics", () =>
    {
        var text = new StringWriter();
        foreach (Action<TextWriter> write in parts)
        {
            write(text);
        }

        return Results.Text(text.ToString(), ContentType);
    });
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Palisade.Registry;

/// <summary>Runs a <see cref="RegistryService"/> behind Kestrel on the given URLs (port 0 picks a free port).</summary>
public sealed class RegistryHost : IAsyncDisposable
{
    /// <summary>How long a stopping server waits for requests in progress.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;

    private RegistryHost(WebApplication app, RegistryService registry)
    {
        _app = app;
        Registry = registry;
    }

    /// <summary>The registry being served.</summary>
    public RegistryService Registry { get; }

    /// <summary>The addresses Kestrel listens on, after start.</summary>
    public IReadOnlyList<string> Addresses =>
        [.. _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];

    /// <summary>Every mapped route as (HTTP method, route pattern), for checking the published OpenAPI document.</summary>
    internal IReadOnlyList<(string Method, string Route)> Routes
    {
        get
        {
            var routes = new List<(string, string)>();
            foreach (EndpointDataSource source in ((IEndpointRouteBuilder)_app).DataSources)
            {
                foreach (Endpoint endpoint in source.Endpoints)
                {
                    if (endpoint is RouteEndpoint route && route.Metadata.GetMetadata<IHttpMethodMetadata>() is { } methods)
                    {
                        foreach (string method in methods.HttpMethods)
                        {
                            routes.Add((method, route.RoutePattern.RawText ?? ""));
                        }
                    }
                }
            }

            return routes;
        }
    }

    /// <summary>Builds and starts the HTTP server.</summary>
    /// <param name="registry">The registry to serve.</param>
    /// <param name="urls">Listening URLs.</param>
    /// <param name="logging">Configures logging (none by default).</param>
    /// <param name="routes">Maps further routes beside the registry's (such as the DNS server's <c>/metrics</c>).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="services">Adds services, such as hosted services that run beside the registry and stop with it.</param>
    public static async Task<RegistryHost> StartAsync(RegistryService registry, IReadOnlyList<string> urls, Action<ILoggingBuilder>? logging = null,
        Action<WebApplication>? routes = null, CancellationToken cancellationToken = default, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = RegistryEndpoints.MaxRequestBodyBytes;
            // A client that trickles its headers (slowloris) is dropped when this runs out; one that trickles a body is
            // dropped below Kestrel's minimum data rate (240 bytes/s after 5 s).
            kestrel.Limits.RequestHeadersTimeout = registry.Options.RequestHeadersTimeout;
        });
        builder.Logging.ClearProviders();

        // Requests still running when the process is told to stop get this long to finish (long polls end at once).
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        logging?.Invoke(builder.Logging);

        // Parts that run beside the registry in one process (the DNS server, the block page) are hosted services: they
        // start after the registry listens and stop with it.
        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();

        // HEAD on every GET resource (RFC 9110 §9.3.2): routed as the GET, whose headers are sent; Kestrel sends no
        // body for a HEAD request, whatever the handler writes.
        app.Use((context, next) =>
        {
            if (HttpMethods.IsHead(context.Request.Method))
            {
                context.Request.Method = HttpMethods.Get;
            }

            return next(context);
        });
        app.UseRouting();
        routes?.Invoke(app);
        registry.Logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Palisade.Registry");
        RegistryEndpoints.Map(app, registry);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A part that cannot start (an address in use) leaves nothing listening behind it.
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var host = new RegistryHost(app, registry);
        if (registry.Options.PublicUrl is not null)
        {
            registry.PublicUrl = registry.Options.PublicUrl;
        }
        else if (host.Addresses.Count > 0)
        {
            registry.PublicUrl = host.Addresses[0];
        }

        return host;
    }

    /// <summary>The host's services (the hosted parts started with it).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Waits until the host stops (Ctrl+C or SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => HostingAbstractionsHostExtensions.WaitForShutdownAsync(_app, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Palisade.Client;
using Palisade.Log;
using Palisade.Dns;
using Palisade.Registry;
using Palisade.Registry.Portal;

namespace Palisade.Cli;

/// <summary>
/// The enforcing DNS server as a hosted service of <c>palisade serve</c>: started after the registry listens (it follows
/// the registry over loopback, the verified path a remote point takes), stopped with the host.
/// </summary>
internal sealed class DnsPointService(RegistryService registry, DnsServerOptions options, IReadOnlyDictionary<System.Net.IPAddress, string> secondaryPoints, IServer server, ILoggerFactory loggers)
    : IHostedLifecycleService, IAsyncDisposable
{
    /// <summary>The running point, after start.</summary>
    public DnsPoint? Point { get; private set; }

    private EnforcementHost? _host;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Starts the point once the registry's server listens, so that it can follow the registry's address.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        string registryUrl = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // The registry sets its public URL from its addresses only once its host has started: take the same value here.
        options.PortalUrl = new Uri(registry.Options.PublicUrl ?? registryUrl);
        var point = new DnsPoint(options);
        try
        {
            _host = await EnforcementHost.StartAsync(point, new EnforcementSettings(new Uri(registryUrl), NoteVerifier.Parse(registry.Log.VerifierKey))
            {
                CacheDirectory = Path.Combine(registry.Options.DataDirectory, "dns-cache"),
                Loggers = loggers,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (EnforcementStartException e)
        {
            throw new RegistryConfigurationException(e.Message, e);
        }

        Point = point;
        if (point.Server.Rpz is { } zone)
        {
            RpzSecondaryPoints.Attach(zone, registry, secondaryPoints, loggers.CreateLogger("Palisade.Rpz"));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        Point = null;
        if (_host is { } host)
        {
            _host = null;
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The block page (HTTP 451) as a hosted service of <c>palisade serve</c>.</summary>
internal sealed class BlockPageService(RegistryService registry, string url) : IHostedService, IAsyncDisposable
{
    /// <summary>The running block page, after start.</summary>
    public BlockPageHost? Host { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            Host = await BlockPageHost.StartAsync(registry, [url], cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new RegistryConfigurationException($"cannot serve the block page on {url}: {e.Message}", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Host is { } host)
        {
            Host = null;
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }
}

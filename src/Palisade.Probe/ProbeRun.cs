using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace Palisade.Probe;

/// <summary>What every measurement of one run shares: the vantage (named by network, never by address), the resolver,
/// the registry and the version measured against.</summary>
public sealed record ProbeRun
{
    /// <summary>The registry.</summary>
    public required Uri Registry { get; init; }

    /// <summary>The registry version the targets come from.</summary>
    public required ulong Version { get; init; }

    /// <summary>The operator's resolver.</summary>
    public required IPEndPoint Resolver { get; init; }

    /// <summary>The vantage's network number, "AS…" ("AS0" when not given).</summary>
    public string Asn { get; init; } = "AS0";

    /// <summary>The vantage's country ("ZZ" when not given).</summary>
    public string CountryCode { get; init; } = "ZZ";

    /// <summary>The vantage's network name.</summary>
    public string NetworkName { get; init; } = "";

    /// <summary>When the run started.</summary>
    public DateTimeOffset Start { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The software version written.</summary>
    public string SoftwareVersion { get; init; } = typeof(ProbeRun).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The report id, as OONI forms it: start time, test name, country, network number, a random tail.</summary>
    public string ReportId => _reportId ??= string.Create(CultureInfo.InvariantCulture,
        $"{Start.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}_webconnectivity_{CountryCode}_{Asn.TrimStart('A', 'S')}_n1_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");

    private string? _reportId;
}

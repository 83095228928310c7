using System.Diagnostics;
using System.Net;
using Palisade.Core;
using Palisade.Policy;
using Palisade.Dns;
using Palisade.Log.Measurements;
using Palisade.Dns.Wire;

namespace Palisade.Probe;

/// <summary>
/// Measures one resource the way a browser in the operator's network meets it, and once more through a control
/// resolver that does not filter: A and AAAA lookups (reading Extended DNS Errors), TCP connect, TLS with SNI for
/// https, one HTTP GET. The two are compared to decide whether the resource is blocked and how (OONI's
/// <c>blocking</c>), whether the user was told which order, and the verdict against what the log says.
/// </summary>
/// <param name="resolver">The operator's resolver.</param>
/// <param name="control">The control resolver.</param>
/// <param name="web">Fetches through the operator's network.</param>
/// <param name="controlWeb">Fetches for the control (from the control's own address when there is one).</param>
/// <param name="policy">The verified version.</param>
/// <param name="unixMilliseconds">The time orders are in force at.</param>
public sealed class Prober(DnsLookup resolver, DnsLookup control, WebFetcher web, WebFetcher controlWeb, CompiledPolicy policy, long unixMilliseconds)
{
    /// <summary>Most addresses of one name fetched from.</summary>
    public const int MaxAddresses = 4;

    /// <summary>Measures <paramref name="resource"/>.</summary>
    public async Task<Measurement> MeasureAsync(ProbeResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        DateTimeOffset start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        string host = resource.Input.DnsSafeHost;
        List<DnsResult> queries = [], controlQueries = [];
        List<IPAddress> addresses, controlAddresses;
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            addresses = controlAddresses = [literal];
        }
        else
        {
            Task<DnsResult>[] lookups =
            [
                resolver.QueryAsync(host, DnsConstants.TypeA, cancellationToken), resolver.QueryAsync(host, DnsConstants.TypeAaaa, cancellationToken),
                control.QueryAsync(host, DnsConstants.TypeA, cancellationToken), control.QueryAsync(host, DnsConstants.TypeAaaa, cancellationToken),
            ];
            DnsResult[] done = await Task.WhenAll(lookups).ConfigureAwait(false);
            queries = [done[0], done[1]];
            controlQueries = [done[2], done[3]];
            addresses = [.. queries.SelectMany(q => q.Answer?.Addresses ?? []).Distinct()];
            controlAddresses = [.. controlQueries.SelectMany(q => q.Answer?.Addresses ?? []).Distinct()];
        }

        WebResult? controlFetch = controlAddresses.Count > 0 ? await controlWeb.FetchAsync(resource.Input, controlAddresses[0], cancellationToken).ConfigureAwait(false) : null;
        var fetches = new List<WebResult>();
        foreach (IPAddress address in addresses.Take(MaxAddresses))
        {
            WebResult fetched = await web.FetchAsync(resource.Input, address, cancellationToken).ConfigureAwait(false);
            fetches.Add(fetched);
            if (fetched.Failure is null)
            {
                break;
            }
        }

        (string? blocking, bool? accessible) = Blocking(addresses, controlAddresses, fetches, controlFetch);
        string? attribution = Attribution(resource, queries, fetches);
        (Verdict verdict, string? cause) = Decide(resource, blocking, attribution, queries, controlAddresses);
        if (verdict is Verdict.Enforced && blocking is null)
        {
            // The control failed, but the operator's answer names the order: blocked, and said so.
            (blocking, accessible) = ("dns", false);
        }

        return new Measurement
        {
            Resource = resource, Start = start, Runtime = clock.Elapsed.TotalSeconds, Queries = queries, ControlQueries = controlQueries, Fetches = fetches,
            ControlFetch = controlFetch, Verdict = verdict, Blocking = blocking, Accessible = accessible, Attribution = attribution, Cause = cause,
            BlockPage = fetches.Any(f => f.Head is { } head && (head.Status == 451 || LinkHeader.BlockedBy(head["Link"]) is not null)),
        };
    }

    /// <summary>OONI's classification: how the resource is blocked ("dns", "tcp_ip", "http-failure", "http-diff"),
    /// false when it is reachable as from the control, null when the control failed.</summary>
    internal static (string?, bool?) Blocking(List<IPAddress> addresses, List<IPAddress> controlAddresses, List<WebResult> fetches, WebResult? controlFetch)
    {
        if (controlFetch is not { Failure: null })
        {
            return (null, null);
        }

        if (addresses.Count == 0)
        {
            return ("dns", false);
        }

        bool consistent = addresses.Intersect(controlAddresses).Any();
        WebResult fetched = fetches[^1];
        if (fetched.Failure is not null)
        {
            return (!consistent ? "dns" : fetched.ConnectFailure is not null ? "tcp_ip" : "http-failure", false);
        }

        bool same = fetched.Head!.Status == controlFetch.Head!.Status && SimilarBodies(fetched.Body, controlFetch.Body);
        return same ? ("false", true) : (!consistent ? "dns" : "http-diff", false);
    }

    private static bool SimilarBodies(byte[] body, byte[] control)
    {
        int longer = Math.Max(body.Length, control.Length);
        return longer == 0 || (double)Math.Min(body.Length, control.Length) / longer >= 0.7;
    }

    /// <summary>How the user is told which order: an Extended DNS Error naming it, or a 451 whose <c>blocked-by</c> link
    /// is its page. Null when nothing names an order of the resource.</summary>
    private static string? Attribution(ProbeResource resource, List<DnsResult> queries, List<WebResult> fetches)
    {
        foreach (string order in resource.Orders)
        {
            string page = OrderReference.Parse(order).PagePath;
            foreach (DnsResult query in queries)
            {
                foreach ((ushort code, string text) in query.Answer?.Errors ?? [])
                {
                    if (text.Contains(order, StringComparison.Ordinal) || text.Contains(page, StringComparison.Ordinal))
                    {
                        return $"EDE {code}: {text}";
                    }
                }
            }

            foreach (WebResult fetch in fetches)
            {
                if (fetch.Head is { Status: 451 } head && LinkHeader.BlockedBy(head["Link"]) is { } link && link.Contains(page, StringComparison.Ordinal))
                {
                    return $"HTTP 451, blocked-by {link}";
                }
            }
        }

        return null;
    }

    private (Verdict, string?) Decide(ProbeResource resource, string? blocking, string? attribution, List<DnsResult> queries, List<IPAddress> controlAddresses)
    {
        bool blocked = blocking is not (null or "false");
        if (resource.Kind == ResourceKind.Ordered)
        {
            return blocked ? (attribution is null ? Verdict.EnforcedUnattributed : Verdict.Enforced, null)
                : blocking == "false" ? (Verdict.NotEnforced, null)
                : attribution is not null ? (Verdict.Enforced, null)
                : (Verdict.Error, null);
        }

        if (!blocked)
        {
            return (blocking is null ? Verdict.Error : Verdict.Accessible, null);
        }

        return (Verdict.OverBlocked, Cause(resource, queries, controlAddresses));
    }

    /// <summary>The likely cause of collateral damage: the ordered name it was derived from, a prefix in force covering
    /// its address (a shared address), or what the resolver said.</summary>
    private string Cause(ProbeResource resource, List<DnsResult> queries, List<IPAddress> controlAddresses)
    {
        foreach (IPAddress address in controlAddresses)
        {
            if (policy.TryMatchAddress(address.GetAddressBytes(), unixMilliseconds, out PolicyMatch match, out PolicyOrder? order))
            {
                return $"prefix {match.Target} of order {order!.Reference} covers its address {address} (a shared address)";
            }
        }

        string? said = queries.SelectMany(q => q.Answer?.Errors ?? []).Select(e => $"; the resolver says EDE {e.Code}: {e.Text}").FirstOrDefault();
        return (resource.Note is { } note && resource.PolicyEntry is not null ? $"{note} (ordered)" : "blocked with no order covering it") + said;
    }
}

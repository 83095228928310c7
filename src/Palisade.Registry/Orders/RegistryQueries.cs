using System.Globalization;
using System.Net;
using Palisade.Core;
using Palisade.Log.Events;
using Palisade.Policy;
using Palisade.Registry.Api;
using Palisade.Registry.Storage;
using static Palisade.Registry.Fields;

namespace Palisade.Registry;

/// <summary>What the API and the portal read: orders with their history and proofs, pages of orders, counts of what is
/// in force, lookups (through the same compiled policy and "in force" rule as enforcement), and log entries.</summary>
internal sealed class RegistryQueries(RegistryContext context, RegistryVersions versions)
{
    private readonly RegistryContext _context = context;

    /// <summary>Most targets one order answer lists; the rest are paged with <c>targetsAfter</c>.</summary>
    public const int MaxTargetPage = 10_000;

    /// <summary>An order with one page of its targets (in value order, after <paramref name="targetsAfter"/>), its history,
    /// and an inclusion proof of every entry of every event in the current tree, with each entry's bytes unless
    /// <paramref name="entryData"/> is false; null when there is no such order.</summary>
    public OrderView? GetOrder(string authority, string decision, int targetLimit = 1000, string? targetsAfter = null, bool entryData = true)
    {
        targetLimit = Math.Clamp(targetLimit, 1, MaxTargetPage);

        // The history's proofs come from this process's tree: it must hold every event the store has.
        _context.Writer.CatchUpIfBehind();
        using RegistrySession session = _context.Store.OpenRead(snapshot: true);
        OrderRow? order = session.LoadOrder(authority, decision);
        if (order is null)
        {
            return null;
        }

        _context.LoggedOrders.Check([order]);

        // The row is what the log says, and the targets are the log's own.
        LoggedOrders.Logged logged = _context.LoggedOrders.Check(order);
        (List<TargetView> targets, long targetCount) = LoggedOrders.TargetPage(logged, targetsAfter ?? "", targetLimit + 1);
        string? targetsNext = null;
        if (targets.Count > targetLimit)
        {
            targets.RemoveAt(targetLimit);
            targetsNext = targets[^1].Value;
        }

        LogState state = _context.Log.State;
        ulong size = state.Checkpoint.Size;
        var history = new List<EventView>();
        List<CitationView> cites = [];
        foreach ((long index, int count, string type, long timeMs) in session.OrderEvents(authority, decision, (long)size))
        {
            List<byte[]>? data = entryData ? session.ReadEntries(index, count) : null;
            var entries = new List<EntryProof>(count);
            for (int i = 0; i < count; i++)
            {
                ulong entryIndex = (ulong)index + (ulong)i;
                entries.Add(new EntryProof((long)entryIndex, data is null ? null : Convert.ToBase64String(data[i]), Convert.ToBase64String(_context.Log.LeafHash(entryIndex)),
                    _context.Log.InclusionProof(entryIndex, size).ConvertAll(Convert.ToBase64String)));
            }

            history.Add(new EventView(type, FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(timeMs)), index, entries));
            if (type == OrderIssued.TypeName)
            {
                cites = Citations(data ?? session.ReadEntries(index, count), index);
            }
        }

        return new OrderView(
            Reference(authority, decision), _context.OrderUrl(authority, decision), order.Authority, order.Decision, order.DecisionDate, order.LegalBasis,
            order.Category, order.IssuingBody, order.Summary, FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(order.EffectiveMs)),
            order.ExpiresMs is null ? null : FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(order.ExpiresMs.Value)),
            order.RevokedMs is null ? null : FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(order.RevokedMs.Value)),
            Status(order), targets, targetCount, targetsNext, history, (long)size, Convert.ToBase64String(state.Checkpoint.RootHash), state.Note, cites);
    }

    /// <summary>The foreign orders an issue event cites, with their references as the mirrors know them.</summary>
    private List<CitationView> Citations(List<byte[]> entries, long index)
    {
        var cites = new List<CitationView>();
        foreach ((_, _, Palisade.Log.Events.LogEvent evt) in Palisade.Log.Events.LogEvents.Join(entries.Select((e, i) => ((ulong)(index + i), e))))
        {
            foreach (Palisade.Log.Events.Citation cited in (evt as OrderIssued)?.Cites ?? [])
            {
                string? reference = _context.Mirrors.FirstOrDefault(m => m.Origin == cited.Origin)?.OrderAt((ulong)cited.Index);
                cites.Add(new CitationView(cited.Origin, cited.Index, reference));
            }
        }

        return cites;
    }

    /// <summary>A page of orders, newest first, optionally of one authority.</summary>
    public OrderList ListOrders(string? authority, int limit, string? after)
    {
        limit = Math.Clamp(limit, 1, 1000);
        // Orders are never deleted, so their sequence is their issue order: a cursor that no two orders share.
        long afterRow = long.MaxValue;
        if (after is not null && !long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out afterRow))
        {
            throw RegistryProblem.Invalid("after", $"'{after}' is not a page cursor from a previous answer");
        }

        long lastSequence = 0;
        using RegistrySession session = _context.Store.OpenRead();
        var orders = new List<OrderSummary>();
        string? next = null;
        var rows = session.ListOrders(authority, afterRow, limit + 1);
        // Every row shown is checked against the log; the target counts are the log's.
        List<LoggedOrders.Logged> logged = _context.LoggedOrders.Check(rows.ConvertAll(r => r.Order));
        for (int i = 0; i < rows.Count; i++)
        {
            (OrderRow row, long sequence, _) = rows[i];
            if (orders.Count == limit)
            {
                next = lastSequence.ToString(CultureInfo.InvariantCulture);
                break;
            }

            lastSequence = sequence;
            orders.Add(new OrderSummary(Reference(row.Authority, row.Decision), _context.OrderUrl(row.Authority, row.Decision), row.Authority, row.Decision,
                row.Category, Status(row), FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(row.EffectiveMs)), logged[i].TargetCount));
        }

        return new OrderList(orders, next);
    }

    private CountsSnapshot? _activeCounts;

    private sealed record CountsSnapshot(ulong Size, long Time, List<ActiveCount> Counts);

    /// <summary>Orders in force and their targets, by authority and category.</summary>
    public sealed record ActiveCount(string Authority, string Category, long Orders, long Targets);

    /// <summary>Counts of the orders in force now, by authority and category. They take a pass over every target, so
    /// they are kept until the log grows or a minute passes (orders come into and out of force with time).</summary>
    public List<ActiveCount> ActiveCounts()
    {
        long now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        ulong size = _context.Log.Size;
        CountsSnapshot? cached = Volatile.Read(ref _activeCounts);
        if (cached is not null && cached.Size == size && now - cached.Time < 60_000)
        {
            return cached.Counts;
        }

        List<ActiveCount> counts = CountActive(now);
        Volatile.Write(ref _activeCounts, new CountsSnapshot(size, now, counts));
        return counts;
    }

    private List<ActiveCount> CountActive(long now)
    {
        // The same entries and "in force" rule as lookups and enforcement.
        var counts = new SortedDictionary<(string Authority, string Category), (HashSet<string> Orders, long Targets)>(Comparer<(string Authority, string Category)>.Create(
            (a, b) => string.CompareOrdinal(a.Authority, b.Authority) is int c and not 0 ? c : string.CompareOrdinal(a.Category, b.Category)));
        foreach (BundleEntry entry in LookupPolicy().Bundle.Entries)
        {
            if (!entry.Order.IsActiveAt(now))
            {
                continue;
            }

            (string, string) key = (entry.Order.Authority, entry.Order.Category);
            if (!counts.TryGetValue(key, out (HashSet<string> Orders, long Targets) count))
            {
                count = (new HashSet<string>(StringComparer.Ordinal), 0);
            }

            count.Orders.Add(entry.Order.Reference);
            counts[key] = (count.Orders, count.Targets + 1);
        }

        return [.. counts.Select(c => new ActiveCount(c.Key.Authority, c.Key.Category, c.Value.Orders.Count, c.Value.Targets))];
    }

    private readonly object _lookupGate = new();
    private LookupSnapshot? _lookupPolicy;

    /// <summary>Which active orders cover a name, a URL or an IP address.</summary>
    public LookupResult Lookup(string? name, string? url, string? ip)
    {
        int given = (name is null ? 0 : 1) + (url is null ? 0 : 1) + (ip is null ? 0 : 1);
        if (given != 1)
        {
            throw RegistryProblem.Invalid("name", "a lookup takes exactly one of name, url and ip");
        }

        long now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        CompiledPolicy policy = LookupPolicy();
        var matches = new List<LookupMatch>();
        string kind;
        string canonical;
        string query;
        if (name is not null)
        {
            query = name;
            kind = "name";
            if (!DomainName.TryParse(name, out DomainName domain, out string? error))
            {
                throw RegistryProblem.Invalid("name", $"'{name}' is not a domain name: {error}");
            }

            canonical = domain.Value;
            Add(policy.MatchName(domain.Value), now, matches);
        }
        else if (url is not null)
        {
            query = url;
            kind = "url";
            if (!UrlKey.TryParse(url, out UrlKey key, out string? error))
            {
                throw RegistryProblem.Invalid("url", $"'{url}' is not an http(s) URL: {error}");
            }

            canonical = key.Value;
            AddUrlMatches(policy, key, now, matches);
        }
        else
        {
            query = ip!;
            kind = "ip";
            if (!IPAddress.TryParse(ip, out IPAddress? address) || ip!.Contains('%', StringComparison.Ordinal) || ip.Contains('/', StringComparison.Ordinal))
            {
                throw RegistryProblem.Invalid("ip", $"'{ip}' is not an IPv4 or IPv6 address");
            }

            canonical = address.ToString();
            Add(policy.MatchAddress(address.GetAddressBytes()), now, matches);
        }

        return new LookupResult(query, kind, canonical, FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(now)), matches);
    }

    /// <summary>The newest order events of the published tree (of one authority or category, or all), with the names of
    /// the authorities, for the Atom feed.</summary>
    public (List<(long Index, string Type, long TimeMs, OrderRow Order)> Events, Dictionary<string, string> AuthorityNames) RecentOrderEvents(string? authority, string? category, int limit)
    {
        using RegistrySession session = _context.Store.OpenRead();
        List<(long Index, string Type, long TimeMs, OrderRow Order)> events = session.RecentOrderEvents(authority, category, (long)_context.Log.Size, limit);
        _context.LoggedOrders.Check(events.ConvertAll(e => e.Order));
        return (events, session.ListAuthorities().ToDictionary(a => a.Id, a => a.Name, StringComparer.Ordinal));
    }

    /// <summary>The targets of orders in force now that already cover everything <paramref name="target"/> names: for a
    /// name, the same name or a pattern above it; for a pattern, the same pattern or one above it; for a URL, the same
    /// URL, a path prefix of it or a target covering its host; for a prefix, an equal or wider prefix.</summary>
    public List<LookupMatch> Covering(OrderTarget target)
    {
        long now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        CompiledPolicy policy = LookupPolicy();
        var matches = new List<LookupMatch>();
        switch (target.Kind)
        {
            case TargetKind.Domain:
                Add(policy.MatchName(target.Value), now, matches);
                break;
            case TargetKind.Pattern:
                // '*.x' covers the names strictly below x, as does any '*.y' with x at or below y: exactly the patterns
                // that match a name one label below x.
                foreach (PolicyMatch match in policy.MatchName("a." + target.Pattern.Name))
                {
                    if (match.Kind == MatchKind.Wildcard)
                    {
                        Add(match, now, matches);
                    }
                }

                break;
            case TargetKind.Url:
                AddUrlMatches(policy, target.Url, now, matches);
                break;
            default:
                foreach (PolicyMatch match in policy.MatchAddress(target.Prefix.BaseAddress.GetAddressBytes()))
                {
                    if (IpPrefix.TryParse(match.Target, out IpPrefix wider, out _) && wider.PrefixLength <= target.Prefix.PrefixLength
                        && wider.IsIPv6 == target.Prefix.IsIPv6)
                    {
                        Add(match, now, matches);
                    }
                }

                break;
        }

        return matches;
    }

    /// <summary>The notice a search engine shows in place of results removed for an order (as Lumen notices are shown);
    /// null when there is no such order.</summary>
    public NoticeView? Notice(string authority, string decision)
    {
        OrderRow? order;
        string? authorityName;
        using (RegistrySession session = _context.Store.OpenRead())
        {
            order = session.LoadOrder(authority, decision);
            authorityName = order is null ? null : session.AuthorityName(authority);
        }

        if (order is null)
        {
            return null;
        }

        var reference = new OrderReference(authority, decision);
        string page = reference.PageUrl(_context.PublicUrl);
        string who = authorityName ?? authority;
        string text = $"Results were removed in response to order {reference} of {who} (decision {order.Decision} of {order.DecisionDate}, {order.Category}): {order.Summary} See {page}";
        string html = $"<aside class=\"palisade-notice\"><p>Results were removed in response to <a href=\"{Portal.Html.Encode(page)}\">order {Portal.Html.Encode(reference.ToString())}</a> " +
            $"of {Portal.Html.Encode(who)} (decision {Portal.Html.Encode(order.Decision)} of {Portal.Html.Encode(order.DecisionDate)}, {Portal.Html.Encode(order.Category)}): {Portal.Html.Encode(order.Summary)}</p></aside>";
        return new NoticeView(reference.ToString(), authority, authorityName, order.IssuingBody, order.Decision, order.DecisionDate, order.Category, order.Summary,
            Status(order), page, text, html);
    }

    /// <summary>The most URLs one delisting check carries.</summary>
    public const int MaxDelistingUrls = 10_000;

    /// <summary>The most characters of one URL in a delisting check (browsers and servers commonly stop at 8 KiB).</summary>
    public const int MaxDelistingUrlLength = 8 * 1024;

    /// <summary>
    /// Which of <paramref name="urls"/> the version in force (the latest published, as search engines and every other
    /// enforcement point have it) delists, and by which orders: URL targets matching exactly or by path prefix, and
    /// name, pattern and address targets covering the URL's host, with the orders in force now. The limits are checked
    /// at once; the answers are made one by one as they are enumerated, so a caller can stream them.
    /// </summary>
    /// <exception cref="RegistryProblem">More than <see cref="MaxDelistingUrls"/> URLs, or one longer than
    /// <see cref="MaxDelistingUrlLength"/>.</exception>
    public IEnumerable<DelistingResult> CheckDelisting(IReadOnlyList<string?> urls)
    {
        if (urls.Count > MaxDelistingUrls)
        {
            throw RegistryProblem.Invalid("urls", $"a check carries at most {MaxDelistingUrls} URLs, not {urls.Count}");
        }

        for (int i = 0; i < urls.Count; i++)
        {
            if (urls[i]?.Length > MaxDelistingUrlLength)
            {
                throw RegistryProblem.Invalid($"urls[{i}]", $"URL {i} has {urls[i]!.Length} characters; a URL in a check has at most {MaxDelistingUrlLength}");
            }
        }

        (ulong version, CompiledPolicy policy) = PublishedPolicy();
        long now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        return Check(urls, version, policy, now);

        IEnumerable<DelistingResult> Check(IReadOnlyList<string?> urls, ulong version, CompiledPolicy policy, long now)
        {
            var matches = new List<LookupMatch>();
            foreach (string? url in urls)
            {
                if (url is null)
                {
                    yield return new DelistingResult("", false, [], null, "null is not a URL", (long)version);
                    continue;
                }

                if (!UrlKey.TryParse(url, out UrlKey key, out string? error))
                {
                    yield return new DelistingResult(url, false, [], null, $"not an http(s) URL: {error}", (long)version);
                    continue;
                }

                matches.Clear();
                AddUrlMatches(policy, key, now, matches);
                List<string> orders = [.. matches.Select(m => m.Order).Distinct(StringComparer.Ordinal)];
                yield return new DelistingResult(url, orders.Count > 0, orders, key.Value, null, (long)version);
            }
        }
    }

    private readonly Lock _publishedGate = new();
    private (ulong Version, CompiledPolicy Policy) _published = (0, CompiledPolicy.Empty);

    /// <summary>The compiled policy of the latest published version (empty before the first).</summary>
    private (ulong Version, CompiledPolicy Policy) PublishedPolicy()
    {
        _context.Writer.CatchUpIfBehind();
        lock (_publishedGate)
        {
            RegistryVersions.LatestBundle? latest = versions.CurrentBundle;
            if (latest is not null && latest.Version != _published.Version)
            {
                _published = (latest.Version, CompiledPolicy.Build(PolicyBundle.Parse(latest.Bytes)));
            }

            return _published;
        }
    }


    /// <summary>Matches of a URL: its URL targets (exact, path prefix) and the targets covering its host.</summary>
    private void AddUrlMatches(CompiledPolicy policy, UrlKey key, long now, List<LookupMatch> matches)
    {
        foreach (PolicyMatch match in policy.MatchUrlAndHost(key))
        {
            Add(match, now, matches);
        }
    }

    // The same matcher and the same "in force" rule as the DNS server and every enforcement point: the compiled policy
    // of the order book, and PolicyOrder.IsActiveAt at the registry's clock.
    private void Add(CompiledPolicy.NameMatches found, long now, List<LookupMatch> matches)
    {
        foreach (PolicyMatch match in found)
        {
            Add(match, now, matches);
        }
    }

    private void Add(CompiledPolicy.UrlMatches found, long now, List<LookupMatch> matches)
    {
        foreach (PolicyMatch match in found)
        {
            Add(match, now, matches);
        }
    }

    private void Add(CompiledPolicy.AddressMatches found, long now, List<LookupMatch> matches)
    {
        foreach (PolicyMatch match in found)
        {
            Add(match, now, matches);
        }
    }

    private void Add(PolicyMatch match, long now, List<LookupMatch> matches)
    {
        TargetKind kind = match.TargetKind;
        string how = match.Kind switch
        {
            MatchKind.Exact => "exact",
            MatchKind.Wildcard => "wildcard",
            MatchKind.PathPrefix => "path-prefix",
            _ => "covering-prefix",
        };
        foreach (BundleEntry entry in match.Entries)
        {
            if (entry.Order.IsActiveAt(now))
            {
                var reference = OrderReference.Parse(entry.Order.Reference);
                matches.Add(new LookupMatch(entry.Order.Reference, reference.ApiUrl(_context.PublicUrl), reference.Authority, entry.Order.Category, entry.Target,
                    OrderTarget.KindNameOf(kind), how));
            }
        }
    }

    /// <summary>
    /// The compiled policy of the current order book (every order issued and not revoked, amendments included, whether
    /// or not a version has published it yet), rebuilt when the log has grown since the last lookup.
    /// </summary>
    private CompiledPolicy LookupPolicy()
    {
        _context.Writer.CatchUpIfBehind();
        LookupSnapshot? cached = Volatile.Read(ref _lookupPolicy);
        if (cached is not null && cached.LogSize == _context.Log.Size)
        {
            return cached.Policy;
        }

        lock (_lookupGate)
        {
            cached = Volatile.Read(ref _lookupPolicy);
            if (cached is not null && cached.LogSize == _context.Log.Size)
            {
                return cached.Policy;
            }

            // Only the copy of what changed is taken under the writer lock; the merge with every entry runs outside it.
            (ulong size, PendingVersion pending) = _context.Writer.Locked(() => (_context.Log.Size, _context.Writer.Book.Snapshot()));
            BundleEntry[] entries = pending.Prepare().Entries;

            var policy = CompiledPolicy.Build(new PolicyBundle(_context.Log.Origin, 0, size, new byte[32], 0, entries));
            Volatile.Write(ref _lookupPolicy, new LookupSnapshot(size, policy));
            return policy;
        }
    }

    private sealed record LookupSnapshot(ulong LogSize, CompiledPolicy Policy);

    private string Status(OrderRow order)
    {
        return PolicyOrder.StatusAt(order.EffectiveMs, order.ExpiresMs, order.RevokedMs is not null, _context.Time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>Reads log entries [start, start + count) of the published tree.</summary>
    public List<byte[]> ReadEntries(ulong start, int count)
    {
        using RegistrySession session = _context.Store.OpenRead();
        return session.ReadEntries((long)start, count);
    }
}

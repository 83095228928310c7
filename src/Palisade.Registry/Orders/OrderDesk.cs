using System.Globalization;
using System.Net;
using Palisade.Core;
using Palisade.Log.Events;
using Palisade.Policy;
using Palisade.Registry.Api;
using Palisade.Registry.Storage;
using static Palisade.Registry.Fields;

namespace Palisade.Registry;

/// <summary>Orders: issuing, amending and revoking them for the caller's authority, with every field and target checked
/// and the safeguards applied before anything is written.</summary>
internal sealed class OrderDesk(RegistryContext context)
{
    private readonly RegistryContext _context = context;

    /// <summary>The most targets one request may carry.</summary>
    public const int MaxTargetsPerRequest = 100_000;

    /// <summary>Issues an order for the caller's authority (logged as <c>order.issued</c>).</summary>
    public OrderEventCreated IssueOrder(Caller caller, IssueOrderRequest request)
    {
        ValidIssue issue = ValidateIssue(caller, request);
        List<LoggedOverride>? overrides = _context.Safeguards.Check(issue.Targets, "targets", request.Overrides);
        string authority = issue.Authority;
        string decision = issue.Decision;
        List<OrderTarget> targets = issue.Targets;
        return _context.Writer.Write((session, log) =>
        {
            string issuingBody = RequireNewDecision(session, request, authority, decision);
            DateTimeOffset now = _context.Time.GetUtcNow();
            (long index, int entries) = log(new OrderIssued
            {
                Time = now,
                Authority = authority,
                Decision = decision,
                DecisionDate = issue.DecisionDate,
                LegalBasis = issue.LegalBasis,
                Category = issue.Category,
                IssuingBody = issuingBody,
                Summary = issue.Summary,
                Effective = issue.Effective,
                Expires = issue.Expires,
                Targets = Values(targets),
                Overrides = overrides,
                Cites = issue.Cites,
            });
            session.InsertOrder(new OrderRow(authority, decision, issue.DecisionDate, issue.LegalBasis, issue.Category, issuingBody, issue.Summary,
                issue.Effective.ToUnixTimeMilliseconds(), issue.Expires?.ToUnixTimeMilliseconds(), null), now.ToUnixTimeMilliseconds());

            InsertTargets(session, authority, decision, targets);
            session.InsertOrderEvent(index, entries, authority, decision, "order.issued", now.ToUnixTimeMilliseconds());
            return new OrderEventCreated(Reference(authority, decision), _context.OrderUrl(authority, decision), "order.issued", index, entries, index + entries)
            {
                Targets = Recorded("targets", request.Targets!, targets),
            };
        });
    }

    /// <summary>What issuing the order would do, without writing anything: every field is checked as for
    /// <see cref="IssueOrder"/> (an invalid one is refused the same way), and each target is listed canonically with the
    /// safeguard it hits and the orders in force that already cover it.</summary>
    public OrderPreview PreviewIssue(Caller caller, IssueOrderRequest request, RegistryQueries queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ValidIssue issue = ValidateIssue(caller, request);
        _context.Writer.CatchUpIfBehind();
        _context.Writer.Locked(() =>
        {
            using RegistrySession session = _context.Store.OpenRead();
            return RequireNewDecision(session, request, issue.Authority, issue.Decision);
        });
        List<PreviewTarget> targets = Preview("targets", request.Targets!, issue.Targets, request.Overrides, queries, null);
        return new OrderPreview(Reference(issue.Authority, issue.Decision), "order.issued", targets, [], targets.TrueForAll(t => t.Protection is null || t.Overridden));
    }

    private sealed record ValidIssue(string Authority, string Decision, string DecisionDate, string LegalBasis, string Category, string Summary,
        DateTimeOffset Effective, DateTimeOffset? Expires, List<OrderTarget> Targets, List<Citation>? Cites);

    private ValidIssue ValidateIssue(Caller caller, IssueOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (caller.Role != Role.Authority || caller.Authority is null)
        {
            throw RegistryProblem.Forbidden($"a key of role {RoleName(caller.Role)} cannot issue orders; orders are issued with an authority key");
        }

        string decision = Label(request.Decision, "decision", 200);
        if (decision is "." or "..")
        {
            // The order's page and API resource are addressed by the decision number as a path segment, where '.' and
            // '..' are dot segments that a URL parser removes (RFC 3986 §5.2.4): no link could reach the order.
            throw RegistryProblem.Invalid("decision", $"the decision number '{decision}' is a dot segment, which no URL can address");
        }

        string decisionDate = Required(request.DecisionDate, "decisionDate", 10);
        if (!DateOnly.TryParseExact(decisionDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            // The right shape but no such day (2026-02-30) is not a date; anything else is not of the form asked for.
            bool shaped = decisionDate.Length == 10 && decisionDate[4] == '-' && decisionDate[7] == '-'
                && decisionDate.AsSpan(0, 4).IndexOfAnyExceptInRange('0', '9') < 0 && decisionDate.AsSpan(5, 2).IndexOfAnyExceptInRange('0', '9') < 0
                && decisionDate.AsSpan(8, 2).IndexOfAnyExceptInRange('0', '9') < 0;
            throw RegistryProblem.Invalid("decisionDate", shaped ? $"'{decisionDate}' is not a date: there is no such day" : $"'{decisionDate}' is not a date of the form yyyy-MM-dd");
        }

        string legalBasis = Required(request.LegalBasis, "legalBasis", 2000);
        string category = Required(request.Category, "category", 64);
        if (category.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-") >= 0)
        {
            throw RegistryProblem.Invalid("category", $"the category '{category}' must be lower-case letters, digits and hyphens (such as court-order, csam, malware)");
        }

        string summary = Required(request.Summary, "summary", 10_000);
        DateTimeOffset effective = ParseTime(Required(request.Effective, "effective", 40), "effective");
        DateTimeOffset? expires = request.Expires is null ? null : ParseTime(request.Expires, "expires");
        if (expires is not null && expires <= effective)
        {
            throw RegistryProblem.Invalid("expires", $"the expiry {FormatTime(expires.Value)} is not after the effective time {FormatTime(effective)}");
        }

        if (request.Targets is null || request.Targets.Count == 0)
        {
            throw RegistryProblem.Invalid("targets", "an order names at least one target");
        }

        List<OrderTarget> targets = ParseTargets(request.Targets, "targets");
        return new ValidIssue(caller.Authority, decision, decisionDate, legalBasis, category, summary, effective, expires, targets, Cites(request.Cites));
    }

    /// <summary>The issuing body of a new order; refuses a decision number the authority already used.</summary>
    private string RequireNewDecision(RegistrySession session, IssueOrderRequest request, string authority, string decision)
    {
        string issuingBody = _context.Writer.AuthorityName(session, authority) ?? throw RegistryProblem.Forbidden($"the key's authority '{authority}' does not exist");
        if (request.IssuingBody is not null)
        {
            issuingBody = Label(request.IssuingBody, "issuingBody", 300);
        }

        if (_context.Writer.Book.TryGetOrder(Reference(authority, decision), out _, out _, out _))
        {
            throw RegistryProblem.Conflict("decision", $"the authority '{authority}' already has an order with decision number '{decision}'; amend it instead");
        }

        // A decision number that reads the same as one the authority has would give the public two orders no one can
        // tell apart (Unicode Security Mechanisms, UTS #39: the same confusable skeleton).
        if (_context.Writer.Book.TryGetDecisionByKey(authority, Confusables.LookalikeKey(decision), out string? lookalike))
        {
            throw RegistryProblem.Conflict("decision", $"the decision number '{decision}'{CodePoints(decision)} looks like '{lookalike}'{CodePoints(lookalike)}, "
                + $"which the authority '{authority}' already has (the same UTS #39 confusable skeleton of the NFKC form); amend that order, or choose a number that reads differently");
        }

        return issuingBody;
    }

    /// <summary>The characters beyond printable ASCII in a decision number, as code points, so a reader sees what differs.</summary>
    private static string CodePoints(string text)
    {
        var points = new List<string>();
        foreach (System.Text.Rune rune in text.EnumerateRunes())
        {
            if (rune.Value is < 0x20 or > 0x7E)
            {
                points.Add($"U+{rune.Value:X4}");
            }
        }

        return points.Count == 0 ? "" : $" (with {string.Join(' ', points)})";
    }

    /// <summary>Adds or removes targets or changes the expiry of one of the caller's orders (<c>order.amended</c>).</summary>
    public OrderEventCreated AmendOrder(Caller caller, string authority, string decision, AmendOrderRequest request)
    {
        ValidAmendment amendment = ValidateAmendment(request);
        List<OrderTarget> add = amendment.Add;
        List<OrderTarget> remove = amendment.Remove;
        DateTimeOffset? expires = amendment.Expires;
        List<LoggedOverride>? overrides = _context.Safeguards.Check(add, "add", request.Overrides);
        string? reason = request.Reason is null ? null : Required(request.Reason, "reason", 10_000);
        return _context.Writer.Write((session, log) =>
        {
            CheckAmendment(caller, authority, decision, amendment);
            DateTimeOffset now = _context.Time.GetUtcNow();
            (long index, int entries) = log(new OrderAmended
            {
                Time = now,
                Authority = authority,
                Decision = decision,
                Add = Values(add),
                Remove = Values(remove),
                Expires = expires is not null ? ExpiryChange.To(expires.Value) : amendment.RemoveExpiry ? ExpiryChange.Removed : ExpiryChange.Unchanged,
                Reason = reason,
                Overrides = overrides,
            });
            InsertTargets(session, authority, decision, add);
            foreach (OrderTarget target in remove)
            {
                session.DeleteTarget(authority, decision, target.Value);
            }

            if (expires is not null || amendment.RemoveExpiry)
            {
                session.SetExpiry(authority, decision, expires?.ToUnixTimeMilliseconds());
            }

            session.InsertOrderEvent(index, entries, authority, decision, "order.amended", now.ToUnixTimeMilliseconds());
            return new OrderEventCreated(Reference(authority, decision), _context.OrderUrl(authority, decision), "order.amended", index, entries, index + entries)
            {
                Targets = [.. Recorded("add", request.Add ?? [], add), .. Recorded("remove", request.Remove ?? [], remove)],
            };
        });
    }

    /// <summary>What amending the order would do, without writing anything (see <see cref="PreviewIssue"/>).</summary>
    public OrderPreview PreviewAmend(Caller caller, string authority, string decision, AmendOrderRequest request, RegistryQueries queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ValidAmendment amendment = ValidateAmendment(request);
        _context.Writer.CatchUpIfBehind();
        _context.Writer.Locked(() => CheckAmendment(caller, authority, decision, amendment));
        string reference = Reference(authority, decision);
        List<PreviewTarget> add = Preview("add", request.Add ?? [], amendment.Add, request.Overrides, queries, reference);
        List<PreviewTarget> remove = [.. Recorded("remove", request.Remove ?? [], amendment.Remove).Select(r => new PreviewTarget(r.Field, r.Written, r.Recorded, r.Kind, null, false, []))];
        return new OrderPreview(reference, "order.amended", add, remove, add.TrueForAll(t => t.Protection is null || t.Overridden));
    }

    private sealed record ValidAmendment(List<OrderTarget> Add, List<OrderTarget> Remove, DateTimeOffset? Expires, bool RemoveExpiry);

    private ValidAmendment ValidateAmendment(AmendOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        List<OrderTarget> add = request.Add is null ? [] : ParseTargets(request.Add, "add");
        List<OrderTarget> remove = request.Remove is null ? [] : ParseTargets(request.Remove, "remove");
        DateTimeOffset? expires = request.Expires is null ? null : ParseTime(request.Expires, "expires");
        bool removeExpiry = request.RemoveExpiry == true;
        if (removeExpiry && expires is not null)
        {
            throw RegistryProblem.Invalid("removeExpiry", "an amendment either sets 'expires' or removes the expiry, not both");
        }

        if (add.Count == 0 && remove.Count == 0 && expires is null && !removeExpiry)
        {
            throw RegistryProblem.Invalid("add", "an amendment adds or removes targets or changes the expiry");
        }

        return new ValidAmendment(add, remove, expires, removeExpiry);
    }

    /// <summary>Refuses an amendment the order as the log leaves it cannot take (under the writer lock).</summary>
    private bool CheckAmendment(Caller caller, string authority, string decision, ValidAmendment amendment)
    {
        (PolicyOrder order, bool revoked, IReadOnlySet<string> current) = RequireOwnOrder(caller, authority, decision);
        if (revoked)
        {
            throw RegistryProblem.Conflict("decision", $"the order {Reference(authority, decision)} is revoked and cannot be amended");
        }

        if (amendment.Expires is { } expires && expires.ToUnixTimeMilliseconds() <= order.EffectiveMs)
        {
            throw RegistryProblem.Invalid("expires", $"the expiry {FormatTime(expires)} is not after the effective time {FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(order.EffectiveMs))}");
        }

        for (int i = 0; i < amendment.Add.Count; i++)
        {
            if (current.Contains(amendment.Add[i].Value))
            {
                throw RegistryProblem.Conflict($"add[{i}]", $"the order already has the target '{amendment.Add[i].Value}'");
            }
        }

        for (int i = 0; i < amendment.Remove.Count; i++)
        {
            if (!current.Contains(amendment.Remove[i].Value))
            {
                throw RegistryProblem.Invalid($"remove[{i}]", $"the order has no target '{amendment.Remove[i].Value}'");
            }
        }

        if (amendment.Remove.Count == current.Count && amendment.Add.Count == 0)
        {
            throw RegistryProblem.Invalid("remove", "an amendment cannot remove every target; revoke the order instead");
        }

        return true;
    }

    /// <summary>Each target as written and as recorded.</summary>
    private static List<RecordedTarget> Recorded(string field, List<string> written, List<OrderTarget> targets)
    {
        var recorded = new List<RecordedTarget>(targets.Count);
        for (int i = 0; i < targets.Count; i++)
        {
            recorded.Add(new RecordedTarget($"{field}[{i}]", written[i], targets[i].Value, targets[i].KindName));
        }

        return recorded;
    }

    private List<PreviewTarget> Preview(string field, List<string> written, List<OrderTarget> targets, List<TargetOverride>? overrides, RegistryQueries queries, string? self)
    {
        var overridden = new HashSet<string>(StringComparer.Ordinal);
        foreach (TargetOverride o in overrides ?? [])
        {
            if (o?.Target is { } text)
            {
                overridden.Add(Safeguards.OverrideTarget(text));
            }
        }

        var preview = new List<PreviewTarget>(targets.Count);
        foreach (RecordedTarget r in Recorded(field, written, targets))
        {
            OrderTarget target = targets[preview.Count];
            string? protection = _context.Safeguards.ProtectionReason(target);
            preview.Add(new PreviewTarget(r.Field, r.Written, r.Recorded, r.Kind, protection, protection is not null && overridden.Contains(target.Value),
                [.. queries.Covering(target).Where(m => m.Order != self)]));
        }

        return preview;
    }

    /// <summary>Revokes one of the caller's orders (<c>order.revoked</c>).</summary>
    public OrderEventCreated RevokeOrder(Caller caller, string authority, string decision, RevokeOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? reason = request.Reason is null ? null : Required(request.Reason, "reason", 10_000);
        return _context.Writer.Write((session, log) =>
        {
            if (RequireOwnOrder(caller, authority, decision).Revoked)
            {
                throw RegistryProblem.Conflict("decision", $"the order {Reference(authority, decision)} is already revoked");
            }

            DateTimeOffset now = _context.Time.GetUtcNow();
            (long index, int entries) = log(new OrderRevoked { Time = now, Authority = authority, Decision = decision, Reason = reason });
            session.SetRevoked(authority, decision, now.ToUnixTimeMilliseconds(), reason);

            session.InsertOrderEvent(index, entries, authority, decision, "order.revoked", now.ToUnixTimeMilliseconds());
            return new OrderEventCreated(Reference(authority, decision), _context.OrderUrl(authority, decision), "order.revoked", index, entries, index + entries);
        });
    }

    /// <summary>The most foreign orders one order may cite.</summary>
    public const int MaxCitations = 64;

    /// <summary>Checks that every cited entry starts an order event in a foreign log this registry mirrors.</summary>
    private List<Citation>? Cites(List<CitationRequest>? requested)
    {
        if (requested is null || requested.Count == 0)
        {
            return null;
        }

        if (requested.Count > MaxCitations)
        {
            throw RegistryProblem.Invalid("cites", $"an order cites at most {MaxCitations} foreign orders, not {requested.Count}");
        }

        var cites = new List<Citation>(requested.Count);
        for (int i = 0; i < requested.Count; i++)
        {
            string field = $"cites[{i}]";
            if (requested[i] is not { Origin: { Length: > 0 } origin, Index: { } index } || index < 0)
            {
                throw RegistryProblem.Invalid(field, $"{field} names a foreign log's origin and the index of an entry (0 or more)");
            }

            LogMirror mirror = _context.Mirrors.FirstOrDefault(m => m.Origin == origin)
                ?? throw RegistryProblem.Invalid(field, $"{field}: this registry does not mirror the log '{origin}' (it mirrors {(_context.Mirrors.Count == 0 ? "none" : string.Join(", ", _context.Mirrors.Select(m => m.Origin)))})");
            if (mirror.OrderAt((ulong)index) is null)
            {
                throw RegistryProblem.Invalid(field, $"{field}: entry {index} of the mirrored log '{origin}' does not start an order event (or is not mirrored yet)");
            }

            if (cites.Exists(c => c.Origin == origin && c.Index == index))
            {
                throw RegistryProblem.Invalid(field, $"{field} repeats a citation");
            }

            cites.Add(new Citation { Origin = origin, Index = index });
        }

        return cites;
    }

    private List<OrderTarget> ParseTargets(List<string> texts, string field)
    {
        if (texts.Count > MaxTargetsPerRequest)
        {
            throw RegistryProblem.Invalid(field, $"'{field}' has {texts.Count} targets; one request carries at most {MaxTargetsPerRequest} (amend the order to add more)");
        }

        var targets = new List<OrderTarget>(texts.Count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < texts.Count; i++)
        {
            string? text = texts[i];
            if (text is null)
            {
                throw RegistryProblem.Invalid($"{field}[{i}]", $"{field}[{i}] is null");
            }

            if (!OrderTarget.TryParseForOrder(text, out OrderTarget target, out string? error))
            {
                throw RegistryProblem.Invalid($"{field}[{i}]", $"{field}[{i}] is not a valid target: {error}");
            }

            if (seen.TryGetValue(target.Value, out int first))
            {
                throw RegistryProblem.Invalid($"{field}[{i}]", string.Equals(texts[first], text, StringComparison.Ordinal)
                    ? $"{field}[{i}] repeats {field}[{first}] ('{target.Value}')"
                    : $"{field}[{i}] '{text}' and {field}[{first}] '{texts[first]}' are both '{target.Value}'");
            }

            seen.Add(target.Value, i);
            targets.Add(target);
        }

        return targets;
    }

    private static string[] Values(List<OrderTarget> targets)
    {
        string[] values = new string[targets.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = targets[i].Value;
        }

        return values;
    }

    private static void InsertTargets(RegistrySession session, string authority, string decision, List<OrderTarget> targets) =>
        session.InsertTargets(authority, decision, targets.Select(target =>
        {
            if (target.Kind != TargetKind.Prefix)
            {
                return (target.KindName, target.Value, (int?)null, (byte[]?)null, (byte[]?)null);
            }

            (byte[] start, byte[] end) = Range(target.Prefix);
            return (target.KindName, target.Value, target.Prefix.IsIPv6 ? 6 : 4, start, end);
        }));

    /// <summary>The first and last address of a prefix as 16 big-endian bytes, which SQLite compares as blobs in
    /// address order.</summary>
    internal static (byte[] Start, byte[] End) Range(IpPrefix prefix)
    {
        byte[] start = AddressBytes(prefix.BaseAddress);
        byte[] end = (byte[])start.Clone();
        int hostBits = prefix.AddressBits - prefix.PrefixLength;
        for (int bit = 0; bit < hostBits; bit++)
        {
            end[15 - (bit / 8)] |= (byte)(1 << (bit % 8));
        }

        return (start, end);
    }

    internal static byte[] AddressBytes(IPAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        if (bytes.Length == 16)
        {
            return bytes;
        }

        var padded = new byte[16];
        bytes.CopyTo(padded, 12);
        return padded;
    }

    /// <summary>The order as the log leaves it (with the writes before this one in the same commit), which only its
    /// issuing authority's key may change.</summary>
    private (PolicyOrder Order, bool Revoked, IReadOnlySet<string> Targets) RequireOwnOrder(Caller caller, string authority, string decision)
    {
        if (!_context.Writer.Book.TryGetOrder(Reference(authority, decision), out PolicyOrder order, out bool revoked, out IReadOnlySet<string> targets))
        {
            throw RegistryProblem.NotFound($"there is no order {Reference(authority, decision)}");
        }

        if (caller.Role != Role.Authority || caller.Authority != authority)
        {
            throw RegistryProblem.Forbidden(caller.Role == Role.Authority
                ? $"the key acts for authority '{caller.Authority}' and cannot change orders of '{authority}'"
                : $"a key of role {RoleName(caller.Role)} cannot change orders; only the issuing authority's key can");
        }

        return (order, revoked, targets);
    }

    private static DateTimeOffset ParseTime(string text, string field)
    {
        if (!DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset time)
            || !(text.EndsWith('Z') || text.Length > 6 && (text[^6] == '+' || text[^6] == '-')))
        {
            throw RegistryProblem.Invalid(field, $"'{text}' is not an RFC 3339 time with a zone, such as 2018-04-16T00:00:00Z");
        }

        // Log entries and the database keep milliseconds.
        return DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
    }
}

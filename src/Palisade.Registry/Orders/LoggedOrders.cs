using System.Security.Cryptography;
using System.Text;
using Palisade.Core;
using Palisade.Log.Events;
using Palisade.Policy;
using Microsoft.Extensions.Logging;
using Palisade.Registry.Api;

namespace Palisade.Registry;

/// <summary>
/// What the public is shown of an order comes from the log, not from whatever the query tables hold now: a row changed
/// behind the registry's back (someone with access to the database file or server) is caught before it is served. The
/// writer's order book, derived from the verified log, holds each order's window, category, revocation and targets, and
/// a digest of the fields of its issue event; an order's row is checked against that, and its targets, status and
/// counts are taken from the book.
/// </summary>
internal sealed partial class LoggedOrders(RegistryContext context)
{
    /// <summary>The digest of the descriptive fields an issue event gives an order's row.</summary>
    public static byte[] IssuedDigest(OrderIssued issued)
    {
        ArgumentNullException.ThrowIfNull(issued);
        return Digest(issued.DecisionDate, issued.LegalBasis, issued.Category, issued.IssuingBody, issued.Summary, issued.Effective.ToUnixTimeMilliseconds());
    }

    private static byte[] Digest(string decisionDate, string legalBasis, string category, string issuingBody, string summary, long effectiveMs)
    {
        // Length-prefixed, so no two field lists share an encoding.
        var text = new StringBuilder();
        foreach (string field in new[] { decisionDate, legalBasis, category, issuingBody, summary, effectiveMs.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            text.Append(field.Length).Append(':').Append(field).Append('\n');
        }

        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>An order as the log has it: its window and category, when it was revoked (null: it is not), and its
    /// targets (a copy, when asked for; else only their count).</summary>
    public sealed record Logged(PolicyOrder Order, long? RevokedMs, int TargetCount, IReadOnlySet<string>? Targets);

    /// <summary>The log's record of each row's order, in the same order, after checking every row against it.</summary>
    /// <param name="rows">Rows of the query tables.</param>
    /// <param name="withTargets">Copy each order's targets (for one order's page; a list needs only their count).</param>
    /// <exception cref="RegistryProblem">500 <c>store-tampered</c>: a row says what the log does not (logged as an error).</exception>
    public List<Logged> Check(IReadOnlyList<OrderRow> rows, bool withTargets = false)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return [];
        }

        // A row another node wrote after this node last followed the log is not a tampered one: follow, then look again.
        for (int attempt = 0; ; attempt++)
        {
            (List<Logged>? records, string? difference) = context.Writer.Locked(() => Compare(rows, withTargets));
            if (difference is null)
            {
                return records!;
            }

            if (attempt == 0 && context.Store.IsShared)
            {
                context.Writer.CatchUpIfBehind();
                continue;
            }

            LogTampered(context.Logger, difference);
            throw new RegistryProblem(500, "store-tampered", "The database disagrees with the log",
                $"{difference}; the registry serves nothing the log does not say. The query tables were changed behind the registry's back: restore the database from a backup or rebuild it with 'palisade migrate' from a good copy");
        }
    }

    /// <summary>The log's record of one row's order, with its targets, after checking the row against it.</summary>
    public Logged Check(OrderRow row) => Check([row], withTargets: true)[0];

    /// <summary>A page of an order's targets as the log has them, in ordinal order after <paramref name="after"/>, with
    /// their count.</summary>
    public static (List<TargetView> Page, long Count) TargetPage(Logged record, string after, int limit)
    {
        ArgumentNullException.ThrowIfNull(record);
        var page = new List<TargetView>(limit);
        foreach (string value in (record.Targets ?? throw new ArgumentException("the record holds no targets", nameof(record))).Where(t => string.CompareOrdinal(t, after) > 0).Order(StringComparer.Ordinal).Take(limit))
        {
            page.Add(new TargetView(OrderTarget.TryParse(value, out OrderTarget target, out _) ? target.KindName : "unknown", value));
        }

        return (page, record.TargetCount);
    }

    private (List<Logged>?, string?) Compare(IReadOnlyList<OrderRow> rows, bool withTargets)
    {
        var records = new List<Logged>(rows.Count);
        foreach (OrderRow row in rows)
        {
            string reference = Fields.Reference(row.Authority, row.Decision);
            if (!context.Writer.Book.TryGetRecord(reference, out OrderBook.OrderRecord? record))
            {
                return (null, $"the database holds an order {reference} that the log never issued");
            }

            string? field = record.IssuedDigest is { } digest && !digest.AsSpan().SequenceEqual(Digest(row.DecisionDate, row.LegalBasis, row.Category, row.IssuingBody, row.Summary, row.EffectiveMs))
                ? "its decision date, legal basis, category, issuing body, summary or effective time"
                : row.ExpiresMs != record.Order.ExpiresMs ? "its expiry"
                : row.RevokedMs != record.RevokedMs ? "its revocation"
                : null;
            if (field is not null)
            {
                return (null, $"the database's row of order {reference} differs from the log in {field}");
            }

            records.Add(new Logged(record.Order, record.RevokedMs, record.Targets.Count, withTargets ? record.Targets.ToHashSet(StringComparer.Ordinal) : null));
        }

        return (records, null);
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Error, Message = "The query tables disagree with the log: {Difference}")]
    private static partial void LogTampered(ILogger logger, string difference);
}

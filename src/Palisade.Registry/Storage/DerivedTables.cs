using System.Globalization;
using System.Text;
using Palisade.Core;
using Palisade.Log.Events;

namespace Palisade.Registry.Storage;

/// <summary>
/// The query tables as the log says they must be. Everything in them but the API keys' secret hashes is derived from
/// the log, so the start-up replay computes every row here and <see cref="Verify"/> compares them with the stored
/// tables: a row changed, missing or added behind the registry's back refuses the start, naming the table and the row.
/// </summary>
internal sealed class DerivedTables
{
    /// <summary>Each table's key columns (indexes into <see cref="RegistrySchema.Tables"/>' columns) and the columns not
    /// derived from the log.</summary>
    private static readonly Dictionary<string, (int[] Key, string[] NotDerived)> s_keys = new(StringComparer.Ordinal)
    {
        ["authorities"] = ([0], []),
        ["api_keys"] = ([0], ["secret_hash"]),
        ["orders"] = ([0, 1], []),
        ["order_events"] = ([0], []),
        ["order_targets"] = ([0, 1, 3], []),
        ["versions"] = ([0], []),
        ["operators"] = ([0], []),
        ["points"] = ([0], []),
        ["point_acks"] = ([0], []),
        ["probes"] = ([0], []),
    };

    private readonly Dictionary<string, object?[]> _authorities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?[]> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<OrderReference, object?[]> _orders = [];
    private readonly Dictionary<OrderReference, Dictionary<string, object?[]>> _targets = [];
    private readonly List<object?[]> _events = [];
    private readonly List<object?[]> _versions = [];
    private readonly Dictionary<string, object?[]> _operators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?[]> _points = new(StringComparer.Ordinal);
    private readonly List<object?[]> _acks = [];
    private readonly Dictionary<string, object?[]> _probes = new(StringComparer.Ordinal);

    /// <summary>Applies one event that starts at log index <paramref name="index"/> and fills <paramref name="entries"/> entries.</summary>
    public void Apply(ulong index, int entries, LogEvent evt)
    {
        long time = evt.Time.ToUnixTimeMilliseconds();
        switch (evt)
        {
            case AuthorityRegistered registered:
                AuthorityDetails a = registered.Authority;
                _authorities[a.Id] = [a.Id, a.Name, a.Jurisdiction, a.Url, (long)index];
                break;
            case KeyCreated created:
                _keys[created.Key] = [created.Key, null, created.Role, created.Authority, LogTime.Format(time), null, (long)index];
                break;
            case KeyRevoked revoked when _keys.TryGetValue(revoked.Key, out object?[]? key):
                key[5] = LogTime.Format(time);
                break;
            case OrderIssued issued:
                _orders[issued.Reference] = [issued.Authority, issued.Decision, issued.DecisionDate, issued.LegalBasis, issued.Category, issued.IssuingBody, issued.Summary,
                    issued.Effective.ToUnixTimeMilliseconds(), issued.Expires?.ToUnixTimeMilliseconds(), null, null, time];
                _targets[issued.Reference] = new Dictionary<string, object?[]>(StringComparer.Ordinal);
                AddTargets(issued.Reference, issued.Targets);
                Event(index, entries, issued, time);
                break;
            case OrderAmended amended when _orders.TryGetValue(amended.Reference, out object?[]? order):
                foreach (string target in amended.Remove)
                {
                    _targets[amended.Reference].Remove(target);
                }

                AddTargets(amended.Reference, amended.Add);
                if (amended.Expires.IsChanged)
                {
                    order[8] = amended.Expires.Expires?.ToUnixTimeMilliseconds();
                }

                Event(index, entries, amended, time);
                break;
            case OrderRevoked revoked when _orders.TryGetValue(revoked.Reference, out object?[]? order):
                order[9] = time;
                order[10] = revoked.Reason;
                Event(index, entries, revoked, time);
                break;
            case OperatorRegistered op:
                _operators[op.Operator] = [op.Operator, op.Name, op.Kind, op.Country, op.Url, (long)index];
                break;
            case PointCreated point:
                _points[point.Point] = [point.Point, point.Operator, point.Key, (long)index];
                break;
            case PointAcknowledged ack:
                _acks.Add([(long)index, ack.Point, (long)ack.Version, Palisade.Policy.Acknowledgement.Parse(Palisade.Log.SignedNote.Parse(ack.Statement).Text).Time]);
                break;
            case ProbeRegistered probe:
                _probes[probe.Probe] = [probe.Probe, probe.Operator, probe.Asn, probe.Key, (long)index];
                break;
            case PointTransferred transferred:
                _acks.Add([(long)index, transferred.Point, (long)transferred.Version, evt.Time.ToUnixTimeSeconds()]);
                break;
            case VersionPublished published:
                _versions.Add([(long)published.Version, (long)published.LogSize, (long)index, Convert.FromHexString(published.Bundle), Convert.FromHexString(published.Delta),
                    (long)published.Entries, time]);
                break;
        }
    }

    /// <summary>Compares every derived table with what the log says.</summary>
    /// <exception cref="RegistryConfigurationException">A table differs; the message names the table, the row and the column.</exception>
    public void Verify(RegistrySession session, string store)
    {
        foreach ((string table, string order, (string Name, System.Data.DbType Type)[] columns) in RegistrySchema.Tables)
        {
            if (!s_keys.TryGetValue(table, out (int[] Key, string[] NotDerived) shape))
            {
                continue;
            }

            Dictionary<string, object?[]> expected = new(StringComparer.Ordinal);
            foreach (object?[] row in Expected(table))
            {
                expected[Key(row, shape.Key)] = row;
            }

            foreach (object?[] row in session.ReadRows(table, columns, order))
            {
                string key = Key(row, shape.Key);
                if (!expected.Remove(key, out object?[]? wanted))
                {
                    throw Differs(store, table, key, "is not in the log");
                }

                for (int i = 0; i < columns.Length; i++)
                {
                    if (Array.IndexOf(shape.NotDerived, columns[i].Name) < 0 && !Same(row[i], wanted[i]))
                    {
                        throw Differs(store, table, key, $"has {columns[i].Name} {Show(row[i])} where the log says {Show(wanted[i])}");
                    }
                }
            }

            foreach (string missing in expected.Keys)
            {
                throw Differs(store, table, missing, "is missing, but the log has it");
            }
        }
    }

    private IEnumerable<object?[]> Expected(string table) => table switch
    {
        "authorities" => _authorities.Values,
        "api_keys" => _keys.Values,
        "orders" => _orders.Values,
        "order_events" => _events,
        "order_targets" => _targets.Values.SelectMany(t => t.Values),
        "operators" => _operators.Values,
        "points" => _points.Values,
        "point_acks" => _acks,
        "probes" => _probes.Values,
        _ => _versions,
    };

    private void AddTargets(OrderReference reference, IEnumerable<string> targets)
    {
        Dictionary<string, object?[]> rows = _targets[reference];
        foreach (string value in targets)
        {
            OrderTarget.TryParse(value, out OrderTarget target, out _);
            if (target.Kind == TargetKind.Prefix)
            {
                (byte[] start, byte[] end) = OrderDesk.Range(target.Prefix);
                rows[value] = [reference.Authority, reference.Decision, target.KindName, value, target.Prefix.IsIPv6 ? 6L : 4L, start, end];
            }
            else
            {
                rows[value] = [reference.Authority, reference.Decision, target.KindName, value, null, null, null];
            }
        }
    }

    private void Event(ulong index, int entries, OrderEvent evt, long time) =>
        _events.Add([(long)index, (long)entries, evt.Authority, evt.Decision, evt.Type, time]);

    private static string Key(object?[] row, int[] columns) => string.Join(" / ", columns.Select(c => Convert.ToString(row[c], CultureInfo.InvariantCulture)));

    private static bool Same(object? stored, object? derived) => (stored, derived) switch
    {
        (null, null) => true,
        (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
        (null, _) or (_, null) => false,
        (long a, long b) => a == b,
        (int a, long b) => a == b,
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        _ => false,
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        byte[] bytes => Convert.ToHexStringLower(bytes),
        string text => "'" + (text.Length > 80 ? text[..80] + "…" : text) + "'",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static RegistryConfigurationException Differs(string store, string table, string key, string what) =>
        new(new StringBuilder().Append(store).Append(" does not match its log: table ").Append(table).Append(", row ").Append(key).Append(", ").Append(what)
            .Append(". The query tables are derived from the log; restore the database from a backup or rebuild it with 'palisade migrate' from a good copy").ToString());
}

using System.Data;
using System.Data.Common;
using Palisade.Registry.Api;

namespace Palisade.Registry.Storage;

/// <summary>Operators, their enforcement points and acknowledgements (derived from the log).</summary>
internal sealed partial class RegistrySession
{
    public bool OperatorExists(string id) => Scalar("SELECT 1 FROM operators WHERE id = @id", Text("id", id)) is not null;

    public void InsertOperator(string id, string name, string kind, string country, string url, long logIndex) =>
        NonQuery("INSERT INTO operators (id, name, kind, country, url, log_index) VALUES (@id, @name, @kind, @country, @url, @index)",
            Text("id", id), Text("name", name), Text("kind", kind), Text("country", country), Text("url", url), Int("index", logIndex));

    public bool PointExists(string id) => Scalar("SELECT 1 FROM points WHERE id = @id", Text("id", id)) is not null;

    /// <summary>Every point's id and verifier key.</summary>
    public List<(string Id, string VerifierKey)> PointKeys() =>
        Rows("SELECT id, vkey FROM points ORDER BY id", r => (r.GetString(0), r.GetString(1)));

    public void InsertPoint(string id, string operatorId, string verifierKey, long logIndex) =>
        NonQuery("INSERT INTO points (id, operator, vkey, log_index) VALUES (@id, @operator, @vkey, @index)",
            Text("id", id), Text("operator", operatorId), Text("vkey", verifierKey), Int("index", logIndex));

    /// <summary>A point's operator and verifier key; null when there is no such point.</summary>
    public (string Operator, string VerifierKey)? FindPoint(string id)
    {
        using DbCommand command = Command("SELECT operator, vkey FROM points WHERE id = @id", Text("id", id));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>The signed time of a point's latest acknowledgement; null before the first.</summary>
    public long? LastAckTime(string point) => Scalar("SELECT MAX(signed_time) FROM point_acks WHERE point = @point", Text("point", point)) is { } time
        ? Convert.ToInt64(time, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    /// <summary>The highest version a point acknowledged or transferred; null before the first.</summary>
    public long? LastAckVersion(string point) => Scalar("SELECT MAX(version) FROM point_acks WHERE point = @point", Text("point", point)) is { } version and not DBNull
        ? Convert.ToInt64(version, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    public void InsertAck(long logIndex, string point, long version, long signedTime) =>
        NonQuery("INSERT INTO point_acks (log_index, point, version, signed_time) VALUES (@index, @point, @version, @time)",
            Int("index", logIndex), Text("point", point), Int("version", version), Int("time", signedTime));

    /// <summary>Every published version's number, covered log size and time, in order.</summary>
    public List<(long Version, long LogSize, long TimeMs)> VersionTimes() =>
        Rows("SELECT version, log_size, time_ms FROM versions ORDER BY version", r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));

    /// <summary>Every order not revoked: its reference parts, category, and the log index of the event that issued it.</summary>
    public List<(string Authority, string Decision, string Category, long IssuedIndex)> LiveOrders() => Rows(
        "SELECT o.authority, o.decision, o.category, e.log_index FROM orders o JOIN order_events e ON e.authority = o.authority AND e.decision = o.decision AND e.type = 'order.issued' " +
        "WHERE o.revoked_ms IS NULL ORDER BY e.log_index",
        r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3)));

    /// <summary>Every acknowledgement of an operator's points: version and signed time (seconds).</summary>
    public List<(long Version, long SignedTime)> OperatorAcks(string operatorId) =>
        Rows("SELECT a.version, a.signed_time FROM point_acks a JOIN points p ON p.id = a.point WHERE p.operator = @operator",
            r => (r.GetInt64(0), r.GetInt64(1)), Text("operator", operatorId));

    /// <summary>Every acknowledgement of every operator's points: operator, version, signed time (seconds).</summary>
    public List<(string Operator, long Version, long SignedTime)> AllAcks() =>
        Rows("SELECT p.operator, a.version, a.signed_time FROM point_acks a JOIN points p ON p.id = a.point", r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2)));

    /// <summary>Every operator with its points, in the order they were registered.</summary>
    public List<Api.OperatorView> ListOperators()
    {
        var operators = new List<Api.OperatorView>();
        using (DbCommand command = Command("SELECT id, name, kind, country, url, log_index FROM operators ORDER BY log_index"))
        using (DbDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                operators.Add(new Api.OperatorView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5), []));
            }
        }

        using (DbCommand command = Command("SELECT id, operator, vkey, log_index FROM points ORDER BY log_index"))
        using (DbDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                string operatorId = reader.GetString(1);
                operators.Find(o => o.Id == operatorId)?.Points.Add(new Api.PointView(reader.GetString(0), reader.GetString(2), reader.GetInt64(3), null));
            }
        }

        // Each point's latest acknowledged version (by the point's own signed time).
        using (DbCommand command = Command("SELECT a.point, a.version FROM point_acks a WHERE a.log_index = (SELECT MAX(b.log_index) FROM point_acks b WHERE b.point = a.point)"))
        using (DbDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                string point = reader.GetString(0);
                long version = reader.GetInt64(1);
                foreach (Api.OperatorView op in operators)
                {
                    int at = op.Points.FindIndex(p => p.Id == point);
                    if (at >= 0)
                    {
                        op.Points[at] = op.Points[at] with { AckedVersion = version };
                    }
                }
            }
        }

        return operators;
    }
}

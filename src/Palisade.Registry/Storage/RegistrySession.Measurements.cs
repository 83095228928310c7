namespace Palisade.Registry.Storage;

/// <summary>Probes (derived from <c>probe.registered</c>) and the measurements they submit (not in the log: each batch
/// is signed by its probe, and the signed statement is kept with it).</summary>
internal sealed partial class RegistrySession
{
    public bool ProbeExists(string id) => Scalar("SELECT 1 FROM probes WHERE id = @id", Text("id", id)) is not null;

    public void InsertProbe(string id, string? operatorId, string asn, string verifierKey, long logIndex) =>
        NonQuery("INSERT INTO probes (id, operator, asn, vkey, log_index) VALUES (@id, @operator, @asn, @vkey, @index)",
            Text("id", id), Text("operator", operatorId), Text("asn", asn), Text("vkey", verifierKey), Int("index", logIndex));

    /// <summary>Every probe in the order registered: id, operator, ASN, key, log index.</summary>
    public List<(string Id, string? Operator, string Asn, string Key, long LogIndex)> ListProbes() =>
        Rows("SELECT id, operator, asn, vkey, log_index FROM probes ORDER BY log_index",
            r => (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4)));

    /// <summary>One probe's network and verifier key; null when there is no such probe.</summary>
    public (string Asn, string Key)? FindProbe(string id) =>
        Rows("SELECT asn, vkey FROM probes WHERE id = @id", r => (r.GetString(0), r.GetString(1)), Text("id", id)) is [var probe] ? probe : null;

    public bool ReportExists(string probe, string report, int batch) =>
        Scalar("SELECT 1 FROM probe_reports WHERE probe = @probe AND report = @report AND batch = @batch", Text("probe", probe), Text("report", report), Int("batch", batch)) is not null;

    public void InsertReport(string report, int batch, string probe, string note, long receivedMs, int count, long bytes) =>
        NonQuery("INSERT INTO probe_reports (report, batch, probe, note, received_ms, measurements, bytes) VALUES (@report, @batch, @probe, @note, @received, @count, @bytes)",
            Text("report", report), Int("batch", batch), Text("probe", probe), Text("note", note), Int("received", receivedMs), Int("count", count), Int("bytes", bytes));

    /// <summary>What a probe submitted since <paramref name="sinceMs"/>: measurements, bytes, distinct reports, and when
    /// the earliest of those batches was received (null: none).</summary>
    public (long Measurements, long Bytes, long Reports, long? EarliestMs) ProbeUsageSince(string probe, long sinceMs) =>
        Rows("SELECT COALESCE(SUM(measurements), 0), COALESCE(SUM(bytes), 0), COUNT(DISTINCT report), MIN(received_ms) FROM probe_reports WHERE probe = @probe AND received_ms > @since",
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? (long?)null : r.GetInt64(3)), Text("probe", probe), Int("since", sinceMs))[0];

    /// <summary>Whether the probe stored any batch of the report since <paramref name="sinceMs"/>.</summary>
    public bool ReportOpenSince(string probe, string report, long sinceMs) =>
        Scalar("SELECT 1 FROM probe_reports WHERE probe = @probe AND report = @report AND received_ms > @since", Text("probe", probe), Text("report", report), Int("since", sinceMs)) is not null;

    public void InsertMeasurement(StoredMeasurement m) =>
        NonQuery("INSERT INTO measurements (report, seq, probe, network, input, order_ref, verdict, blocking, entry, cause, version, measured_ms, line) " +
            "VALUES (@report, @seq, @probe, @network, @input, @order, @verdict, @blocking, @entry, @cause, @version, @measured, @line)",
            Text("report", m.Report), Int("seq", m.Sequence), Text("probe", m.Probe), Text("network", m.Network), Text("input", m.Input), Text("order", m.Order),
            Text("verdict", m.Verdict), Text("blocking", m.Blocking), Text("entry", m.PolicyEntry), Text("cause", m.Cause), Int("version", m.Version),
            Int("measured", m.MeasuredMs), Text("line", m.Line));

    /// <summary>The latest measurement of each (network, input), optionally only those of one order or one network,
    /// newest first, at most <paramref name="limit"/>.</summary>
    public List<StoredMeasurement> LatestMeasurements(string? order, string? network, int limit)
    {
        string where = (order, network) switch
        {
            (not null, not null) => "WHERE m.order_ref = @order AND m.network = @network",
            (not null, null) => "WHERE m.order_ref = @order",
            (null, not null) => "WHERE m.network = @network",
            _ => "",
        };

        // The latest per (network, input): no later measurement of the same pair exists.
        return Rows(
            "SELECT m.report, m.seq, m.probe, m.network, m.input, m.order_ref, m.verdict, m.blocking, m.entry, m.cause, m.version, m.measured_ms, m.line FROM measurements m " +
            where + (where.Length == 0 ? "WHERE" : " AND") + " NOT EXISTS (SELECT 1 FROM measurements n WHERE n.network = m.network AND n.input = m.input " +
            "AND (n.measured_ms > m.measured_ms OR (n.measured_ms = m.measured_ms AND (n.report > m.report OR (n.report = m.report AND (n.probe > m.probe OR (n.probe = m.probe AND n.seq > m.seq))))))) " +
            "ORDER BY m.measured_ms DESC, m.input LIMIT @limit",
            r => new StoredMeasurement(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), r.GetInt64(10), r.GetInt64(11), r.GetString(12)),
            Text("order", order), Text("network", network), Int("limit", limit));
    }
}

/// <summary>One stored measurement: where it came from, the fields the registry aggregates, and the line as sent.</summary>
internal sealed record StoredMeasurement(string Report, long Sequence, string Probe, string Network, string Input, string? Order, string Verdict, string? Blocking,
    string? PolicyEntry, string? Cause, long Version, long MeasuredMs, string Line);

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Palisade.Core;
using Palisade.Log.Events;
using Palisade.Log.Measurements;
using Palisade.Log;
using Palisade.Registry.Api;
using Palisade.Registry.Storage;
using static Palisade.Registry.Fields;

namespace Palisade.Registry;

/// <summary>
/// Measurement probes (registered in the log as <c>probe.registered</c>, with their keys) and the measurements they
/// submit: batches of OONI JSON lines under the probe's signed statement, checked and stored, public, and aggregated per
/// order and per operator network. Nothing in a measurement is about a user: it names a network and a resource.
/// </summary>
internal sealed class Probes(RegistryContext context, RegistryVersions versions)
{
    /// <summary>Most measurements in one submitted batch.</summary>
    public const int MaxMeasurementsPerReport = 10_000;

    /// <summary>The highest batch number of one report (a run of up to 100M measurements).</summary>
    public const int MaxBatches = 9_999;

    /// <summary>Most bytes of one measurement line.</summary>
    public const int MaxLineBytes = 512 * 1024;

    /// <summary>Most bytes of one submission (statement and lines): the largest request body the registry reads.</summary>
    public const long MaxSubmissionBytes = RegistryEndpoints.MaxRequestBodyBytes;

    /// <summary>Submissions read and stored at once, registry-wide (each holds its body in memory).</summary>
    public const int MaxConcurrentSubmissions = 2;

    /// <summary>Submissions waiting for their turn; beyond them a submission is answered 503 with Retry-After.</summary>
    public const int MaxQueuedSubmissions = 8;

    /// <summary>How long a submission waits for its turn.</summary>
    public static readonly TimeSpan MaxSubmissionWait = TimeSpan.FromSeconds(30);

    /// <summary>The window the per-probe quotas count over.</summary>
    public static readonly TimeSpan QuotaWindow = TimeSpan.FromHours(1);

    /// <summary>Most measurements one probe stores in <see cref="QuotaWindow"/> (20 full batches), unless
    /// <see cref="RegistryOptions.ProbeMeasurementsPerHour"/> says otherwise.</summary>
    public const int MaxMeasurementsPerHour = 200_000;

    /// <summary>Most bytes of measurement lines one probe stores in <see cref="QuotaWindow"/>, unless
    /// <see cref="RegistryOptions.ProbeBytesPerHour"/> says otherwise.</summary>
    public const long MaxBytesPerHour = 256L * 1024 * 1024;

    /// <summary>Most reports one probe has open at once (reports with a batch stored in <see cref="QuotaWindow"/>), unless
    /// <see cref="RegistryOptions.ProbeOpenReports"/> says otherwise.</summary>
    public const int MaxOpenReports = 16;

    /// <summary>Most measurements one query answers.</summary>
    public const int MaxQueryResults = 10_000;

    /// <summary>The verdicts a measurement may carry.</summary>


    private readonly RegistryContext _context = context;

    /// <summary>The turns submissions take, before their bodies are read.</summary>
    public Turns SubmissionTurns { get; } = new(MaxConcurrentSubmissions, MaxQueuedSubmissions, MaxSubmissionWait, () =>
        new RegistryProblem(503, "busy", "Too many measurement submissions at once",
            $"at most {MaxConcurrentSubmissions} submissions are stored at once and {MaxQueuedSubmissions} wait; try again shortly") { RetryAfterSeconds = 5 });

    /// <summary>Registers a probe with its key (logged as <c>probe.registered</c>); admin only (checked by the caller).</summary>
    public ProbeView Register(AddProbeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string id = Required(request.Id, "id", 64);
        if (!IsAuthorityId(id))
        {
            throw RegistryProblem.Invalid("id", $"the probe id '{id}' must be 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit");
        }

        string asn = Required(request.Asn, "asn", 12);
        if (!IsAsn(asn))
        {
            throw RegistryProblem.Invalid("asn", $"'{asn}' is not a network number such as AS64496");
        }

        NoteVerifier key;
        try
        {
            key = NoteVerifier.Parse(Required(request.Key, "key", 200));
        }
        catch (FormatException e)
        {
            throw RegistryProblem.Invalid("key", $"the probe's key is not a signed-note verifier key: {e.Message}");
        }

        string? operatorId = request.Operator;
        return _context.Writer.Write((session, log) =>
        {
            if (operatorId is not null && !session.OperatorExists(operatorId))
            {
                throw RegistryProblem.Invalid("operator", $"there is no operator '{operatorId}'");
            }

            if (session.ProbeExists(id))
            {
                throw RegistryProblem.Conflict("id", $"the probe '{id}' already exists");
            }

            (long index, _) = log(new ProbeRegistered { Time = _context.Time.GetUtcNow(), Probe = id, Operator = operatorId, Asn = asn, Key = key.VerifierKey });
            session.InsertProbe(id, operatorId, asn, key.VerifierKey, index);
            return new ProbeView(id, operatorId, asn, key.VerifierKey, index);
        });
    }

    /// <summary>Every probe.</summary>
    public List<ProbeView> List()
    {
        using RegistrySession session = _context.Store.OpenRead();
        return [.. session.ListProbes().Select(p => new ProbeView(p.Id, p.Operator, p.Asn, p.Key, p.LogIndex))];
    }

    /// <summary>
    /// Stores a batch of measurements: the statement must be signed by a registered probe, for this registry and a
    /// version it published, and its hash and count must be those of the lines; each line must be a measurement of that
    /// report, from the probe's network, against that version. The batch is stored whole or not at all.
    /// </summary>
    public ReportView Submit(string statement, string lines)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(lines);
        MeasurementReport report;
        try
        {
            report = MeasurementReport.Parse(SignedNote.Parse(statement).Text);
        }
        catch (FormatException e)
        {
            throw RegistryProblem.Invalid("report", $"the report is not a signed measurement statement: {e.Message}");
        }

        if (report.Registry != _context.Log.Origin)
        {
            throw new RegistryProblem(422, "other-registry", "Measures another registry", $"the report is for registry '{report.Registry}', not '{_context.Log.Origin}'");
        }

        if (report.Count > MaxMeasurementsPerReport || report.Batch > MaxBatches)
        {
            throw RegistryProblem.Invalid("report", $"a batch carries at most {MaxMeasurementsPerReport} measurements (not {report.Count}), and a report at most {MaxBatches + 1} batches");
        }

        (string Asn, string Key) probe;
        using (RegistrySession read = _context.Store.OpenRead())
        {
            probe = read.FindProbe(report.Probe) ?? throw RegistryProblem.NotFound($"there is no probe '{report.Probe}'");
        }

        try
        {
            NoteVerifier.Parse(probe.Key).Verify(statement);
        }
        catch (Exception e) when (e is CryptographicNoteException or FormatException)
        {
            throw RegistryProblem.Forbidden($"the report is not signed by probe '{report.Probe}': {e.Message}");
        }

        byte[] bytes = Encoding.UTF8.GetBytes(lines);
        byte[] hash = SHA256.HashData(bytes);
        if (!hash.AsSpan().SequenceEqual(report.Sha256))
        {
            throw new RegistryProblem(422, "altered-report", "The measurements are not the ones signed",
                $"the measurements hash to {Convert.ToHexStringLower(hash)}, not the {Convert.ToHexStringLower(report.Sha256)} the probe signed");
        }

        if (report.Version > (versions.LatestVersion?.Version ?? 0))
        {
            throw new RegistryProblem(422, "unpublished-version", "Not a published version", $"this registry never published version {report.Version}");
        }

        long now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        using (RegistrySession read = _context.Store.OpenRead())
        {
            // Before the lines are parsed; checked again where the batch is stored.
            CheckQuota(read, report, bytes.LongLength, now);
        }

        List<StoredMeasurement> parsed = ParseLines(report, probe.Asn, lines);
        return _context.Writer.Write((session, _) =>
        {
            // Report ids are the probe's own: another probe's use of the same id is another report.
            if (session.ReportExists(report.Probe, report.ReportId, report.Batch))
            {
                throw RegistryProblem.Conflict("report", $"batch {report.Batch} of report '{report.ReportId}' of probe '{report.Probe}' is already stored");
            }

            CheckQuota(session, report, bytes.LongLength, now);
            session.InsertReport(report.ReportId, report.Batch, report.Probe, statement, now, parsed.Count, bytes.LongLength);
            foreach (StoredMeasurement m in parsed)
            {
                session.InsertMeasurement(m);
            }

            return new ReportView(report.ReportId, report.Probe, parsed.Count);
        });
    }

    /// <summary>Refuses (429 with Retry-After) a batch that would take the probe over a quota in the last
    /// <see cref="QuotaWindow"/>: measurements, bytes, or reports open at once.</summary>
    private void CheckQuota(RegistrySession session, MeasurementReport report, long bytes, long now)
    {
        long since = now - (long)QuotaWindow.TotalMilliseconds;
        (long measurements, long stored, long reports, long? earliest) = session.ProbeUsageSince(report.Probe, since);
        RegistryOptions options = _context.Options;
        string? exceeded =
            measurements + report.Count > options.ProbeMeasurementsPerHour ? $"stored {measurements} measurements in the last hour; {report.Count} more would pass the quota of {options.ProbeMeasurementsPerHour}"
            : stored + bytes > options.ProbeBytesPerHour ? $"stored {stored} bytes of measurements in the last hour; {bytes} more would pass the quota of {options.ProbeBytesPerHour}"
            : reports >= options.ProbeOpenReports && !session.ReportOpenSince(report.Probe, report.ReportId, since) ? $"has {reports} reports open (a batch stored in the last hour); a new one would pass the quota of {options.ProbeOpenReports}"
            : null;
        if (exceeded is not null)
        {
            // The earliest batch in the window leaves it first, freeing part of the quota.
            long wait = earliest is { } first ? first + (long)QuotaWindow.TotalMilliseconds - now : (long)QuotaWindow.TotalMilliseconds;
            throw new RegistryProblem(429, "quota", "The probe's quota is used up", $"probe '{report.Probe}' {exceeded}")
            {
                RetryAfterSeconds = (int)Math.Clamp((wait + 999) / 1000, 1, (long)QuotaWindow.TotalSeconds),
            };
        }
    }

    /// <summary>The latest measurement of each resource in each network, of one order or one network (or all).</summary>
    public List<MeasurementView> Latest(string? order, string? network, int limit = MaxQueryResults)
    {
        using RegistrySession session = _context.Store.OpenRead();
        return [.. session.LatestMeasurements(order, network, Math.Clamp(limit, 1, MaxQueryResults)).Select(View)];
    }

    /// <summary>What the probes measuring an operator's networks found: the latest verdict of each resource there.</summary>
    public OperatorMeasurements ForOperator(string operatorId)
    {
        using RegistrySession session = _context.Store.OpenRead();
        HashSet<string> networks = [.. session.ListProbes().Where(p => p.Operator == operatorId).Select(p => p.Asn)];
        List<StoredMeasurement> latest = [.. networks.SelectMany(n => session.LatestMeasurements(null, n, MaxQueryResults))];
        int Count(string verdict) => latest.Count(m => m.Verdict == verdict);
        return new OperatorMeasurements([.. networks.Order(StringComparer.Ordinal)], latest.Count, Count(Verdicts.Name(Verdict.Enforced)), Count(Verdicts.Name(Verdict.EnforcedUnattributed)), Count(Verdicts.Name(Verdict.NotEnforced)),
            [.. latest.Where(m => m.Verdict == Verdicts.Name(Verdict.OverBlocked)).Select(View)]);
    }

    /// <summary>Creates a probe's key file, <c>probe-ID.key</c> in the data directory; its signed-note name is the id.</summary>
    public static (string Path, NoteSigner Key) CreateKeyFile(string dataDirectory, string probeId) =>
        SecretFile.CreateSigningKey(dataDirectory, $"probe-{probeId}.key", probeId, "a probe's key is made once");

    internal static bool IsAsn(string text) =>
        text.Length is > 2 and <= 12 && text.StartsWith("AS", StringComparison.Ordinal) && text.AsSpan(2).IndexOfAnyExcept("0123456789") < 0;

    private static MeasurementView View(StoredMeasurement m) => new(m.Input, m.Network, m.Probe, m.Order, m.Verdict, m.Blocking, m.PolicyEntry, m.Cause, m.Version,
        LogTime.Format(m.MeasuredMs), m.Report);

    private static List<StoredMeasurement> ParseLines(MeasurementReport report, string asn, string lines)
    {
        var parsed = new List<StoredMeasurement>();
        int number = 0;
        foreach (string line in lines.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            number++;
            if (number > report.Count)
            {
                break;
            }

            if (Encoding.UTF8.GetByteCount(line) > MaxLineBytes)
            {
                throw RegistryProblem.Invalid("measurements", $"line {number} is longer than {MaxLineBytes} bytes");
            }

            try
            {
                parsed.Add(ParseLine(report, asn, (long)report.Batch * MaxMeasurementsPerReport + number, line));
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                throw RegistryProblem.Invalid("measurements", $"line {number} is not a Palisade measurement: {e.Message}");
            }
        }

        if (number != report.Count)
        {
            throw RegistryProblem.Invalid("measurements", $"the report says {report.Count} measurements, the batch holds {number}");
        }

        return parsed;
    }

    private static StoredMeasurement ParseLine(MeasurementReport report, string asn, long sequence, string line)
    {
        using JsonDocument document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
        JsonElement root = document.RootElement;
        JsonElement keys = root.GetProperty("test_keys");
        string input = Text(root, "input", 2000)!;
        if (!UrlKey.TryParse(input, out _))
        {
            throw new FormatException($"input '{input}' is not an http(s) URL");
        }

        if (Text(root, "report_id", 200) != report.ReportId)
        {
            throw new FormatException($"its report_id is not the report's '{report.ReportId}'");
        }

        if (Text(root, "probe_asn", 12) != asn)
        {
            throw new FormatException($"its probe_asn is not the probe's network {asn}");
        }

        if (!DateTime.TryParseExact(Text(root, "measurement_start_time", 19), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime measured))
        {
            throw new FormatException("its measurement_start_time is not 'YYYY-MM-DD hh:mm:ss'");
        }

        string verdict = Text(keys, "x_palisade_verdict", 30)!;
        if (!Verdicts.TryParse(verdict, out _))
        {
            throw new FormatException($"x_palisade_verdict '{verdict}' is not one of {string.Join(", ", Verdicts.Names)}");
        }

        if (keys.GetProperty("x_palisade_registry_version").GetUInt64() != report.Version)
        {
            throw new FormatException($"x_palisade_registry_version is not the report's version {report.Version}");
        }

        string? order = keys.TryGetProperty("x_palisade_order", out JsonElement o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
        if (order is not null && !OrderReference.TryParse(order, out _))
        {
            throw new FormatException($"x_palisade_order '{order}' is not an order reference");
        }

        string? blocking = keys.TryGetProperty("blocking", out JsonElement b) ? b.ValueKind switch
        {
            JsonValueKind.String => b.GetString()!.Length <= 30 ? b.GetString() : throw new FormatException("blocking is too long"),
            JsonValueKind.False => "false",
            JsonValueKind.Null => null,
            _ => throw new FormatException("blocking is not a string, false or null"),
        } : null;
        return new StoredMeasurement(report.ReportId, sequence, report.Probe, asn, input, order, verdict, blocking, Text(keys, "x_palisade_policy_entry", 2000, optional: true),
            Text(keys, "x_palisade_cause", 2000, optional: true), (long)report.Version, new DateTimeOffset(measured, TimeSpan.Zero).ToUnixTimeMilliseconds(), line);
    }

    private static string? Text(JsonElement element, string name, int maxLength, bool optional = false)
    {
        if (!element.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return optional ? null : throw new FormatException($"it has no {name}");
        }

        string text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"{name} is not a string");
        return text.Length <= maxLength ? text : throw new FormatException($"{name} is longer than {maxLength} characters");
    }
}

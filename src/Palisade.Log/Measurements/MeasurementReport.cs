using System.Globalization;
using System.Text;
using Palisade.Log;
using Palisade.Core;

namespace Palisade.Log.Measurements;

/// <summary>
/// A probe's signed statement over a batch of measurements, as a signed note: <c>palisade-measurements/v1</c>, then
/// <c>probe ID</c>, <c>registry ORIGIN</c>, <c>version N</c> (the registry version measured against), <c>report ID</c>
/// (the run's OONI report id), <c>batch B</c> (0, 1, … within the run), <c>count K</c> (measurements in the batch) and
/// <c>sha256 HEX</c> (of the batch's bytes: the JSON lines as sent), one per line. With the probe's key from <c>probe.registered</c>, anyone can check that a stored measurement is the one the
/// probe made.
/// </summary>
public sealed record MeasurementReport(string Probe, string Registry, ulong Version, string ReportId, int Batch, int Count, byte[] Sha256)
{
    /// <summary>The first line of the statement.</summary>
    public const string Header = "palisade-measurements/v1";

    /// <summary>The most bytes a signed statement may have.</summary>
    public const int MaxLength = 4096;

    /// <summary>The note text.</summary>
    public string ToText() => string.Create(CultureInfo.InvariantCulture,
        $"{Header}\nprobe {Probe}\nregistry {Registry}\nversion {Version}\nreport {ReportId}\nbatch {Batch}\ncount {Count}\nsha256 {Convert.ToHexStringLower(Sha256)}\n");

    /// <summary>The statement signed with the probe's key.</summary>
    public string Sign(NoteSigner key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignNote(ToText());
    }

    /// <summary>Reads a statement's text (its signature is checked by the caller, with the probe's key).</summary>
    /// <exception cref="FormatException">It is not a statement; the message says which line.</exception>
    public static MeasurementReport Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetByteCount(text) > MaxLength)
        {
            throw new FormatException($"a measurement report has at most {MaxLength} bytes");
        }

        string[] lines = text.Split('\n');
        if (lines.Length != 9 || lines[8].Length != 0 || lines[0] != Header)
        {
            throw new FormatException($"a measurement report is the line '{Header}' and seven lines: probe, registry, version, report, batch, count, sha256");
        }

        string Value(int line, string name) => lines[line].StartsWith(name + " ", StringComparison.Ordinal) && lines[line].Length > name.Length + 1
            ? lines[line][(name.Length + 1)..]
            : throw new FormatException($"line {line + 1} is not '{name} …'");

        string probe = Value(1, "probe");
        string registry = Value(2, "registry");
        if (!ulong.TryParse(Value(3, "version"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong version) || version == 0)
        {
            throw new FormatException("the version is not a positive decimal number");
        }

        string report = Value(4, "report");
        if (report.Length > 200 || report.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") >= 0)
        {
            throw new FormatException("the report id is not 1 to 200 letters, digits, '_' and '-'");
        }

        if (!int.TryParse(Value(5, "batch"), NumberStyles.None, CultureInfo.InvariantCulture, out int batch))
        {
            throw new FormatException("the batch is not a decimal number");
        }

        if (!int.TryParse(Value(6, "count"), NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count == 0)
        {
            throw new FormatException("the count is not a positive decimal number");
        }

        string hex = Value(7, "sha256");
        if (hex.Length != 64 || hex.AsSpan().IndexOfAnyExcept("0123456789abcdef") >= 0)
        {
            throw new FormatException("the sha256 is not 64 lower-case hexadecimal digits");
        }

        return new MeasurementReport(probe, registry, version, report, batch, count, Convert.FromHexString(hex));
    }
}

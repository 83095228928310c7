using System.Text;
using Palisade.Log.Measurements;

namespace Palisade.Probe;

/// <summary>Writes measurements as OONI JSON lines or as CSV (one row per resource).</summary>
public sealed class ProbeOutput
{
    private readonly TextWriter _writer;
    private readonly MemoryStream _line = new();
    private readonly OoniWriter? _ooni;

    /// <summary>Writes to <paramref name="writer"/> in <paramref name="format"/> ("ooni" or "csv").</summary>
    public ProbeOutput(TextWriter writer, string format, ProbeRun run)
    {
        _writer = writer;
        if (format == "csv")
        {
            WriteText("input,verdict,blocking,accessible,order,policy_entry,attribution,cause\n");
        }
        else
        {
            _ooni = new OoniWriter(run);
        }
    }

    /// <summary>Writes one measurement.</summary>
    public void Write(Measurement measurement)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        if (_ooni is not null)
        {
            _line.SetLength(0);
            _ooni.Write(_line, measurement);
            _writer.Write(Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length));
            return;
        }

        string[] fields =
        [
            measurement.Resource.Input.AbsoluteUri, Verdicts.Name(measurement.Verdict), measurement.Blocking ?? "", measurement.Accessible?.ToString().ToLowerInvariant() ?? "",
            string.Join(' ', measurement.Resource.Orders), measurement.Resource.PolicyEntry ?? "", measurement.Attribution ?? "", measurement.Cause ?? "",
        ];
        WriteText(string.Join(',', fields.Select(Palisade.Formats.PolicyExporter.Csv)) + "\n");
    }

    private void WriteText(string text) => _writer.Write(text);
}

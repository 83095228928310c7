using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Palisade.Log.Measurements;
using Palisade.Log;

namespace Palisade.Probe;

/// <summary>
/// Sends a run's measurements to the registry (<c>POST /v1/measurements</c>) in batches of <see cref="BatchSize"/>, each
/// under a statement signed with the probe's key that names the run's report, the batch and the SHA-256 of its lines.
/// Batches are sent one after another while the run goes on, so memory holds one batch.
/// </summary>
public sealed class ProbeSubmitter(HttpClient http, Uri registry, NoteSigner key, string origin, ProbeRun run)
{
    /// <summary>Measurements per batch (the registry takes at most 10,000).</summary>
    public const int BatchSize = 5_000;

    private readonly OoniWriter _writer = new(run);
    private readonly MemoryStream _lines = new();
    private int _count;
    private int _batch;
    private int _sent;
    private Task _sending = Task.CompletedTask;

    /// <summary>Adds a measurement to the current batch, sending the batch once full (call from one thread at a time).</summary>
    public void Add(Measurement measurement)
    {
        _writer.Write(_lines, measurement);
        if (++_count == BatchSize)
        {
            StartBatch();
        }
    }

    /// <summary>Sends the last batch and waits for every batch to be stored; returns how many measurements were sent.</summary>
    /// <exception cref="HttpRequestException">The registry refused a batch (its problem detail is in the message) or
    /// could not be reached.</exception>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        if (_count > 0)
        {
            StartBatch();
        }

        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _sent;
    }

    private void StartBatch()
    {
        byte[] lines = _lines.ToArray();
        int count = _count, batch = _batch++;
        _lines.SetLength(0);
        _count = 0;
        Task previous = _sending;
        _sending = SendAsync(previous, lines, count, batch);
    }

    private async Task SendAsync(Task previous, byte[] lines, int count, int batch)
    {
        await previous.ConfigureAwait(false);
        string statement = new MeasurementReport(key.Name, origin, run.Version, run.ReportId, batch, count, SHA256.HashData(lines)).Sign(key);
        var body = new JsonObject { ["report"] = statement, ["measurements"] = Encoding.UTF8.GetString(lines) };
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri(registry, "v1/measurements"), body).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string problem = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            throw new HttpRequestException($"batch {batch}: {(int)response.StatusCode} {(problem.Length > 500 ? problem[..500] : problem)}", null, response.StatusCode);
        }

        _sent += count;
    }
}

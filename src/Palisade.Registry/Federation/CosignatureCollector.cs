using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Registry;

/// <summary>
/// Asks the registry's witnesses (<c>--witness URL=VKEY</c>) to cosign each new checkpoint (C2SP tlog-witness v1.0.0):
/// with the consistency proof from the size each witness cosigned last, answering a 409 by resending from the size the
/// witness names. The cosignatures of the current checkpoint are appended to its note on <c>/log/checkpoint</c>. A
/// witness that is down delays nothing: the checkpoint is served with the cosignatures there are.
/// </summary>
internal sealed partial class CosignatureCollector : IDisposable
{
    /// <summary>How long one request to a witness may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The most bytes read from a witness's answer.</summary>
    public const int MaxAnswerBytes = 64 * 1024;

    private readonly RegistryContext _context;
    private readonly HttpClient _http;
    private readonly List<WitnessState> _witnesses;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private Cosigned _current;

    public CosignatureCollector(RegistryContext context, IReadOnlyList<WitnessEndpoint> witnesses, HttpMessageHandler? handler = null)
    {
        _context = context;
        _http = RegistryHttp.Create(RequestTimeout, handler: handler, maxBufferedResponse: MaxAnswerBytes);
        _witnesses = [.. witnesses.Select(w => new WitnessState(w))];
        _current = new Cosigned(context.Log.State, []);
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>How many witnesses cosigned the current checkpoint.</summary>
    public int Cosignatures
    {
        get
        {
            Cosigned current = Volatile.Read(ref _current);
            return ReferenceEquals(current.State, _context.Log.State) ? current.Lines.Count : 0;
        }
    }

    /// <summary>The current checkpoint's note with the cosignatures collected for it.</summary>
    public string Note
    {
        get
        {
            Cosigned current = Volatile.Read(ref _current);
            LogState state = _context.Log.State;
            if (!ReferenceEquals(current.State, state) || current.Lines.Count == 0)
            {
                return state.Note;
            }

            var note = new StringBuilder(state.Note);
            foreach (string line in current.Lines)
            {
                note.Append(line).Append('\n');
            }

            return note.ToString();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        LogState? done = null;
        while (!stop.IsCancellationRequested)
        {
            LogState state = _context.Log.State;
            if (!ReferenceEquals(state, done) && state.Checkpoint.Size > 0)
            {
                string?[] answers = await Task.WhenAll(_witnesses.Select(w => CosignAsync(w, state, stop))).ConfigureAwait(false);
                Volatile.Write(ref _current, new Cosigned(state, [.. answers.OfType<string>()]));
                done = state;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The witness's cosignature line for the checkpoint; null when it gave none (down, refused, or a
    /// cosignature that does not verify).</summary>
    private async Task<string?> CosignAsync(WitnessState witness, LogState state, CancellationToken stop)
    {
        Checkpoint checkpoint = state.Checkpoint;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            ulong old = witness.Size;
            if (old > checkpoint.Size)
            {
                LogWitnessAhead(_context.Logger, witness.Endpoint.Url, old, checkpoint.Size);
                return null;
            }

            List<byte[]> proof = old == 0 || old == checkpoint.Size ? [] : _context.Log.ConsistencyProof(old, checkpoint.Size);
            string body = new AddCheckpointRequest(old, proof, state.Note).Format();
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "text/plain");
                using HttpResponseMessage response = await _http.PostAsync(new Uri(witness.Endpoint.Url, "add-checkpoint"), content, stop).ConfigureAwait(false);
                string answer = await response.Content.ReadAsStringAsync(stop).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Conflict && response.Content.Headers.ContentType?.MediaType == "text/x.tlog.size"
                    && ulong.TryParse(answer.TrimEnd('\n'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong size))
                {
                    witness.Size = size;
                    continue;
                }

                if (response.StatusCode != HttpStatusCode.OK)
                {
                    LogWitnessRefused(_context.Logger, witness.Endpoint.Url, (int)response.StatusCode, answer.Length > 300 ? answer[..300] : answer);
                    return null;
                }

                SignedNote cosigned = SignedNote.Parse(state.Note + answer);
                foreach (NoteSignature signature in cosigned.Signatures)
                {
                    if (witness.Endpoint.Verifier.Verify(cosigned.Text, signature, out _))
                    {
                        witness.Size = checkpoint.Size;
                        return SignedNote.Format(string.Empty, [signature]).Trim('\n');
                    }
                }

                LogWitnessRefused(_context.Logger, witness.Endpoint.Url, 200, "no cosignature of its key verifies");
                return null;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException && !stop.IsCancellationRequested)
            {
                LogWitnessRefused(_context.Logger, witness.Endpoint.Url, 0, e.Message);
                return null;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Witness {Url} gave no cosignature ({Status}): {Reason}")]
    private static partial void LogWitnessRefused(ILogger logger, Uri url, int status, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Witness {Url} cosigned size {Witnessed}, larger than this log's {Size}: it has seen another history of this log")]
    private static partial void LogWitnessAhead(ILogger logger, Uri url, ulong witnessed, ulong size);

    private sealed record Cosigned(LogState State, IReadOnlyList<string> Lines);

    private sealed class WitnessState(WitnessEndpoint endpoint)
    {
        public WitnessEndpoint Endpoint { get; } = endpoint;

        /// <summary>The size this witness cosigned last, as far as this process knows (0 at first: the witness's 409
        /// tells the real one).</summary>
        public ulong Size { get; set; }
    }
}

/// <summary>A witness the registry asks for cosignatures: its URL prefix (where <c>add-checkpoint</c> is) and its
/// verifier key.</summary>
public sealed record WitnessEndpoint(Uri Url, CosignatureVerifier Verifier)
{
    /// <summary>Reads <c>URL=VKEY</c>; the URL is the witness's prefix (a registry's base URL gets <c>/witness/</c>).</summary>
    /// <exception cref="FormatException">It is not of that form.</exception>
    public static WitnessEndpoint Parse(string text)
    {
        (Uri url, string key) = SplitUrlAndKey(text);
        string path = url.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/witness", StringComparison.Ordinal))
        {
            path += "/witness";
        }

        return new WitnessEndpoint(new UriBuilder(url) { Path = path + "/" }.Uri, CosignatureVerifier.Parse(key));
    }

    /// <summary>Splits <c>URL=VKEY</c> (the form of <c>--witness</c> and <c>--follow</c>) at its first '='.</summary>
    /// <exception cref="FormatException">There is no '=' or the URL is not an absolute http(s) URL.</exception>
    internal static (Uri Url, string Key) SplitUrlAndKey(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !Uri.TryCreate(text[..equals], UriKind.Absolute, out Uri? url) || (url.Scheme != "http" && url.Scheme != "https"))
        {
            throw new FormatException($"'{text}' is not URL=VKEY with an http(s) URL");
        }

        return (url, text[(equals + 1)..]);
    }
}

using Microsoft.Extensions.Logging;
using Palisade.Core;
using Palisade.Log.Events;
using Palisade.Log;
using Palisade.Registry.Storage;
using Palisade.Client;

namespace Palisade.Registry;

/// <summary>
/// A read-only mirror of a foreign registry's log (<c>palisade serve --follow URL=VKEY</c>): its checkpoint, every
/// entry verified as <c>palisade verify</c> verifies them and checked for consistency at each step, and the
/// authorities and orders the entries describe. Mirrored orders are never enforced: only a domestic order, in its own
/// log entry, can act on one (by citing it). When the foreign log shows another history than the one verified, the
/// mirror keeps what it verified, records both signed checkpoints as proof, and stops following.
/// </summary>
internal sealed partial class LogMirror : IDisposable
{
    /// <summary>How often the foreign log is polled.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause after failed polls: each failure in a row doubles the pause from
    /// <see cref="PollInterval"/> up to this, so a foreign registry that keeps failing is neither hammered nor logged
    /// every second.</summary>
    public static readonly TimeSpan MaxRetryInterval = TimeSpan.FromMinutes(2);

    private readonly RegistryContext _context;
    private readonly FollowTarget _target;
    private readonly LogAuditor _auditor;
    private readonly HttpClient _http;
    private readonly Lock _gate = new();
    private readonly MerkleNodeStore _tree = new();

    // The follower's own copy of the verified tree, which it extends while readers use _tree; both hold the same leaves
    // after every poll.
    private readonly MerkleNodeStore _work = new();
    private readonly Dictionary<string, string> _authorities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MirroredOrder> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, string> _orderEvents = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private string? _note;
    private string? _forkReason;
    private string? _forkNote;

    public LogMirror(RegistryContext context, FollowTarget target)
    {
        _context = context;
        _target = target;
        _http = RegistryHttp.Create(RegistryHttp.RequestTimeout);
        _auditor = new LogAuditor(_http, new Uri(target.Registry, "log/"));
    }

    /// <summary>The foreign log's origin.</summary>
    public string Origin => _target.Key.Name;

    /// <summary>Why the last poll failed (the foreign registry unreachable, a file that does not verify); null after a
    /// success.</summary>
    public string? LastError { get; private set; }

    /// <summary>How many entries of the foreign log are verified and mirrored.</summary>
    public ulong Size
    {
        get
        {
            lock (_gate)
            {
                return _tree.Size;
            }
        }
    }

    /// <summary>Whether the foreign log showed two histories (following stopped).</summary>
    public bool IsForked => Volatile.Read(ref _forkReason) is not null;

    /// <summary>Loads what was verified before and starts following.</summary>
    /// <exception cref="RegistryConfigurationException">The stored mirror does not hash to its stored checkpoint.</exception>
    public void Start()
    {
        List<byte[]> entries;
        using (RegistrySession session = _context.Store.BeginWrite())
        {
            session.AddMirroredLog(Origin, _target.Registry.AbsoluteUri, _target.Key.VerifierKey);
            (_note, _forkReason, _forkNote) = session.MirroredLog(Origin)!.Value;
            entries = _note is null ? [] : session.MirroredEntries(Origin);
            session.Commit();
        }

        if (_note is not null)
        {
            Checkpoint checkpoint = Checkpoint.Parse(_target.Key.Verify(_note).Text);
            foreach (byte[] entry in entries.Take((int)checkpoint.Size))
            {
                byte[] leaf = MerkleHash.Leaf(entry);
                _tree.Append(leaf);
                _work.Append(leaf);
            }

            if (_tree.Size != checkpoint.Size || !MerkleProofBuilder.Root(_tree, checkpoint.Size).AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                throw new RegistryConfigurationException($"the mirror of {Origin} in {_context.Store.Description} does not hash to the checkpoint it verified");
            }

            Apply(0, entries.Take((int)checkpoint.Size).ToList());
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>What the mirror holds now; <paramref name="citedBy"/> names the domestic orders citing an entry.</summary>
    public Api.MirrorView View(Func<string, long, List<string>> citedBy)
    {
        lock (_gate)
        {
            Checkpoint? checkpoint = _note is null ? null : Checkpoint.Parse(SignedNote.Parse(_note).Text);
            var orders = new List<Api.MirroredOrderView>();
            foreach (MirroredOrder order in _orders.Values.OrderBy(o => o.IssuedIndex))
            {
                List<string> proof = MerkleProofBuilder.InclusionProof(_tree, order.IssuedIndex, checkpoint!.Size).ConvertAll(Convert.ToBase64String);
                orders.Add(new Api.MirroredOrderView(order.Reference, order.Authority, _authorities.GetValueOrDefault(order.Authority), order.Decision, order.Category,
                    order.Summary, order.Revoked ? "revoked" : "issued", order.Targets.Count, [.. order.Targets.Order(StringComparer.Ordinal).Take(1000)],
                    (long)order.IssuedIndex, Convert.ToBase64String(MerkleHash.Leaf(order.IssuedEntry)), proof, citedBy(Origin, (long)order.IssuedIndex)));
            }

            return new Api.MirrorView(Origin, _target.Registry.AbsoluteUri, _target.Key.VerifierKey, (long)(checkpoint?.Size ?? 0), _note,
                _forkReason is null ? null : new Api.ForkView(_forkReason, _note!, _forkNote!), LastError, orders);
        }
    }

    /// <summary>The reference of the order whose event starts at <paramref name="index"/> of the mirrored log; null when
    /// no order event starts there (or the entry is not mirrored yet).</summary>
    public string? OrderAt(ulong index)
    {
        lock (_gate)
        {
            return _orderEvents.GetValueOrDefault(index);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        int failures = 0;
        while (!stop.IsCancellationRequested && _forkReason is null)
        {
            try
            {
                await PollAsync(stop).ConfigureAwait(false);
                LastError = null;
                failures = 0;
            }
            catch (LogForkException e)
            {
                lock (_gate)
                {
                    _forkReason = e.Message;
                    _forkNote = e.ConflictingNote;
                }

                using (RegistrySession session = _context.Store.BeginWrite())
                {
                    session.SetMirrorFork(Origin, e.Message, e.ConflictingNote);
                    session.Commit();
                }

                LogFork(_context.Logger, Origin, e.Message);
                return;
            }
            catch (Exception e) when (e is LogVerificationException or HttpRequestException or FormatException or System.Data.Common.DbException
                || e is TaskCanceledException && !stop.IsCancellationRequested)
            {
                LastError = e.Message;
                failures++;
                LogFailed(_context.Logger, Origin, e.Message, RetryPause(failures).TotalSeconds);
            }

            try
            {
                await Task.Delay(RetryPause(failures), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The pause before the next poll after <paramref name="failures"/> failed polls in a row.</summary>
    internal static TimeSpan RetryPause(int failures) =>
        failures <= 0 ? PollInterval : TimeSpan.FromTicks(Math.Min(PollInterval.Ticks << Math.Min(failures - 1, 20), MaxRetryInterval.Ticks));

    private async Task PollAsync(CancellationToken stop)
    {
        string? verified;
        lock (_gate)
        {
            verified = _note;
        }

        ulong before = _work.Size;
        (Checkpoint checkpoint, string note, List<byte[]> entries) = await _auditor.FollowAsync(_target.Key, _work, verified, stop).ConfigureAwait(false);
        if (checkpoint.Size == before)
        {
            return;
        }

        try
        {
            // The events are read before anything is kept: a log whose entries are not registry events is not mirrored.
            List<(ulong Index, int Entries, LogEvent Event)> events = [.. LogEvents.Join(entries.Select((e, i) => (before + (ulong)i, e)))];
            using (RegistrySession session = _context.Store.BeginWrite())
            {
                session.AppendMirrored(Origin, (long)before, entries, note);
                session.Commit();
            }

            lock (_gate)
            {
                foreach (byte[] entry in entries)
                {
                    _tree.Append(MerkleHash.Leaf(entry));
                }

                _note = note;
                Apply(events, entries, before);
            }
        }
        catch
        {
            _work.Truncate(before);
            throw;
        }
    }

    private void Apply(ulong first, List<byte[]> entries) =>
        Apply([.. LogEvents.Join(entries.Select((e, i) => (first + (ulong)i, e)))], entries, first);

    private void Apply(List<(ulong Index, int Entries, LogEvent Event)> events, List<byte[]> entries, ulong first)
    {
        foreach ((ulong index, _, LogEvent evt) in events)
        {
            switch (evt)
            {
                case AuthorityRegistered registered:
                    _authorities[registered.Authority.Id] = registered.Authority.Name;
                    break;
                case OrderIssued issued:
                    string reference = issued.Reference.ToString();
                    _orders[reference] = new MirroredOrder(reference, issued.Authority, issued.Decision, issued.Category, issued.Summary, index,
                        entries[(int)(index - first)], [.. issued.Targets]);
                    _orderEvents[index] = reference;
                    break;
                case OrderAmended amended when _orders.TryGetValue(amended.Reference.ToString(), out MirroredOrder? order):
                    order.Targets.ExceptWith(amended.Remove);
                    order.Targets.UnionWith(amended.Add);
                    _orderEvents[index] = order.Reference;
                    break;
                case OrderRevoked revoked when _orders.TryGetValue(revoked.Reference.ToString(), out MirroredOrder? order):
                    order.Revoked = true;
                    _orderEvents[index] = order.Reference;
                    break;
            }
        }
    }

    [LoggerMessage(EventId = 1501, Level = LogLevel.Error, Message = "The mirrored log {Origin} showed two histories; following stopped: {Reason}")]
    private static partial void LogFork(ILogger logger, string origin, string reason);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Following the log {Origin} failed, retrying in {Seconds} s: {Reason}")]
    private static partial void LogFailed(ILogger logger, string origin, string reason, double seconds);

    private sealed class MirroredOrder(string reference, string authority, string decision, string category, string summary, ulong issuedIndex, byte[] issuedEntry,
        HashSet<string> targets)
    {
        public string Reference { get; } = reference;

        public string Authority { get; } = authority;

        public string Decision { get; } = decision;

        public string Category { get; } = category;

        public string Summary { get; } = summary;

        public ulong IssuedIndex { get; } = issuedIndex;

        public byte[] IssuedEntry { get; } = issuedEntry;

        public HashSet<string> Targets { get; } = targets;

        public bool Revoked { get; set; }
    }
}

/// <summary>A foreign registry to mirror: its base URL and its log key (<c>--follow URL=VKEY</c>).</summary>
public sealed record FollowTarget(Uri Registry, NoteVerifier Key)
{
    /// <summary>Reads <c>URL=VKEY</c>.</summary>
    /// <exception cref="FormatException">It is not of that form.</exception>
    public static FollowTarget Parse(string text)
    {
        (Uri url, string key) = WitnessEndpoint.SplitUrlAndKey(text);
        return new FollowTarget(url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/"), NoteVerifier.Parse(key));
    }
}

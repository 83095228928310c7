using System.Collections.Concurrent;
using System.Diagnostics;
using Palisade.Log.Events;
using Palisade.Policy;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// Writes, durably and in log order, with group commit: a write joins a queue; the first writer to find no write in
/// progress becomes the leader and runs every write waiting at that moment in one transaction, and commits once, one
/// fsync for all. Each writer returns only after the commit that holds its write, so "acknowledged"
/// still means "durable". The leader hands the next commit to the first writer waiting before it wakes its own batch's
/// writers.
/// </summary>
/// <remarks>
/// <para>A write checks first, then logs its event, then writes its rows. A write refused by its checks (a problem, a
/// conflict) has written nothing and fails alone; a write that fails after it began to log, or a failed commit, fails
/// the whole batch, and nothing of it is kept.</para>
/// <para>The writer also keeps the order book, which sees every event in log order: this process's as the batch runs
/// (tentatively, undone if the batch fails, so that a write checks against the writes before it in the same commit),
/// other processes' when it follows the shared store. Readers take the writer lock, so they never see a tentative
/// state.</para>
/// </remarks>
internal sealed class RegistryWriter(RegistryStore store, TransparencyLog log) : IDisposable
{
    private readonly RegistryStore _store = store;
    private readonly TransparencyLog _log = log;
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>Every order event applied so far, in log order (touch it only under the writer lock).</summary>
    public OrderBook Book { get; } = new(Confusables.LookalikeKey, LoggedOrders.IssuedDigest);

    /// <summary>Runs when following the store finds a version another process published, before the book applies it.</summary>
    public Action<ulong, VersionPublished>? VersionFollowed { get; set; }

    /// <summary>Runs after order events were committed or followed.</summary>
    public Action? OrdersChanged { get; set; }

    private readonly Dictionary<string, string> _authorityNames = new(StringComparer.Ordinal);

    /// <summary>An authority's name, null when there is no such authority (a write's check; authorities are never
    /// changed or removed, so a name once read is kept).</summary>
    public string? AuthorityName(RegistrySession session, string id)
    {
        if (_authorityNames.TryGetValue(id, out string? name))
        {
            return name;
        }

        name = session.AuthorityName(id);
        if (name is not null)
        {
            _authorityNames[id] = name;
        }

        return name;
    }

    /// <summary>Runs <paramref name="read"/> under the writer lock, which no write holds meanwhile.</summary>
    public T Locked<T>(Func<T> read)
    {
        _writer.Wait();
        long taken = Stopwatch.GetTimestamp();
        try
        {
            return read();
        }
        finally
        {
            Release(taken);
        }
    }

    /// <summary>The most writes one commit carries.</summary>
    public const int MaxWritesPerCommit = 256;

    private readonly ConcurrentQueue<PendingWrite> _pending = new();
    private long _commits;

    /// <summary>Write transactions committed so far (each carrying one or more writes).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Runs one write: the work adds rows and returns the event to log; the event's entries and a new signed
    /// checkpoint go into the same transaction, which commits before this returns.</summary>
    /// <remarks>After the commit, still under the writer lock, the logged event goes to the order book and
    /// <paramref name="committed"/> runs, so the book sees events in log order. With <paramref name="alone"/> the write
    /// gets a transaction of its own (publishing a version reads the order book, which sees a write only once it has
    /// committed).</remarks>
    public T Write<T>(Func<RegistrySession, Func<LogEvent, (long FirstIndex, int Entries)>, T> work, Action<T>? committed = null, bool alone = false)
    {
        var write = new PendingWrite<T>(work, committed) { Alone = alone };
        _pending.Enqueue(write);
        while (!write.IsDone)
        {
            LeadIfFree();
            if (write.IsDone)
            {
                break;
            }

            // Woken when the write is done, or when the leader before hands the next commit to this writer; another thread
            // may hold the writer lock for a moment (following another node), so look again shortly anyway.
            write.Wake.Wait(TimeSpan.FromMilliseconds(10));
            write.Wake.Reset();
        }

        return write.Result();
    }

    /// <summary>Takes the writer lock if no one holds it and commits the writes waiting (up to
    /// <see cref="MaxWritesPerCommit"/>, or one write that must be alone).</summary>
    private void LeadIfFree()
    {
        if (_pending.IsEmpty || !_writer.Wait(0))
        {
            return;
        }

        long taken = Stopwatch.GetTimestamp();
        var batch = new List<PendingWrite>();
        try
        {
            while (batch.Count < MaxWritesPerCommit && _pending.TryPeek(out PendingWrite? next))
            {
                if (next.Alone && batch.Count > 0)
                {
                    break;
                }

                _pending.TryDequeue(out _);
                batch.Add(next);
                if (next.Alone)
                {
                    break;
                }
            }

            Commit(batch);
        }
        finally
        {
            // Release hands the next commit to the first writer waiting, before this batch's writers wake: on a machine of
            // few cores, waking dozens of threads first delayed the next commit by a fifth of the commit's own time.
            Release(taken);
            foreach (PendingWrite write in batch)
            {
                write.IsDone = true;
                write.Wake.Set();
            }
        }
    }

    /// <summary>How long the writer lock has been held in all, since the process started: what writes wait for.</summary>
    public TimeSpan LockHeld => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _lockHeldTicks));

    private long _lockHeldTicks;

    /// <summary>Releases the writer lock and wakes the first writer waiting, if any, to lead the next commit.</summary>
    private void Release(long taken)
    {
        Interlocked.Add(ref _lockHeldTicks, Stopwatch.GetTimestamp() - taken);
        _writer.Release();
        if (_pending.TryPeek(out PendingWrite? first))
        {
            first.Wake.Set();
        }
    }

    /// <summary>Runs a batch of writes in one transaction and completes each (the caller holds the writer lock).</summary>
    private void Commit(List<PendingWrite> batch)
    {
        ulong before = _log.Size;
        LogState? committedState = null;
        bool tentative = false;
        try
        {
            using RegistrySession session = _store.BeginWrite();

            // Under the store's write lock: first what other processes appended, so these events extend the latest log
            // (a store that only this process writes has nothing to follow).
            if (_store.IsShared)
            {
                CatchUp(session);
            }

            before = _log.Size;
            Book.BeginTentative();
            tentative = true;
            foreach (PendingWrite write in batch)
            {
                try
                {
                    write.Run(session, evt =>
                    {
                        if (write.Logging)
                        {
                            throw new InvalidOperationException("one write logs one event");
                        }

                        write.Logging = true;
                        List<byte[]> entries = LogEvents.Encode(evt, _log.StagedSize);
                        ulong first = _log.Stage(session, entries);
                        write.Logged = evt;
                        return ((long)first, entries.Count);
                    });

                    // The later writes of this commit check against the book with this one in it.
                    if (write.Logged is { } logged)
                    {
                        Book.Apply(logged);
                    }
                }
                catch (Exception e) when (!write.Logging)
                {
                    // Refused before it wrote anything (a problem, a conflict): it fails alone, the others go on.
                    write.Failed = e;
                }
            }

            // One signed tree head for everything this commit appends.
            if (_log.StagedSize > before)
            {
                committedState = _log.StageCheckpoint(session);
            }

            session.Commit();
            Book.Keep();
            Interlocked.Increment(ref _commits);
        }
        catch (Exception e)
        {
            // A write failed after it began writing, or the commit did: nothing of the batch is kept.
            if (tentative)
            {
                Book.Undo();
            }

            _log.Abandon(before);
            foreach (PendingWrite write in batch)
            {
                write.Failed ??= e;
                write.Logged = null;
            }

            return;
        }

        if (committedState is not null)
        {
            _log.Publish(committedState);
        }

        bool orders = false;
        foreach (PendingWrite write in batch)
        {
            orders |= write.Failed is null && write.Logged is OrderEvent;
            write.Complete();
        }

        if (orders)
        {
            OrdersChanged?.Invoke();
        }
    }

    /// <summary>A write waiting in the queue.</summary>
    private abstract class PendingWrite
    {
        /// <summary>Set when the write's commit is over, or to make the writer lead the next commit. It does not spin
        /// before it sleeps: dozens of writers spinning on two cores took the time the leader needed (measured: 30 % less
        /// processor time per write, the same rate).</summary>
        public ManualResetEventSlim Wake { get; } = new(false, spinCount: 0);

        /// <summary>Whether the write's commit is over (set before <see cref="Wake"/>).</summary>
        public bool IsDone
        {
            get => Volatile.Read(ref _done);
            set => Volatile.Write(ref _done, value);
        }

        private bool _done;

        public bool Alone { get; init; }

        /// <summary>Whether the write began to log its event (and so to write rows).</summary>
        public bool Logging { get; set; }

        public LogEvent? Logged { get; set; }

        public Exception? Failed { get; set; }

        public abstract void Run(RegistrySession session, Func<LogEvent, (long FirstIndex, int Entries)> log);

        /// <summary>Runs the write's after-commit step, if it succeeded.</summary>
        public abstract void Complete();
    }

    private sealed class PendingWrite<T>(Func<RegistrySession, Func<LogEvent, (long FirstIndex, int Entries)>, T> work, Action<T>? committed) : PendingWrite
    {
        private T? _result;

        public override void Run(RegistrySession session, Func<LogEvent, (long FirstIndex, int Entries)> log) => _result = work(session, log);

        public override void Complete()
        {
            if (Failed is null)
            {
                committed?.Invoke(_result!);
            }
        }

        public T Result()
        {
            // Wake is not disposed: a leader may still set it after this writer saw its write done (an event never waited on
            // through its WaitHandle holds nothing to release).
            if (Failed is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(Failed);
            }

            return _result!;
        }
    }

    /// <summary>Brings this process up to the store's latest checkpoint if another process appended since.</summary>
    public void CatchUpIfBehind()
    {
        if (!_store.IsShared)
        {
            return;
        }

        long stored;
        using (RegistrySession session = _store.OpenRead())
        {
            stored = session.LatestCheckpoint()?.Size ?? 0;
        }

        if ((ulong)stored > _log.Size)
        {
            CatchUpNow();
        }
    }

    public void CatchUpNow() => Locked(() =>
    {
        using RegistrySession session = _store.OpenRead();
        CatchUp(session);
        return 0;
    });

    /// <summary>Applies the entries other processes appended (the caller holds the writer lock).</summary>
    private void CatchUp(RegistrySession session)
    {
        List<(ulong Index, byte[] Entry)> added = _log.CatchUp(session);
        bool orders = false;
        foreach ((ulong index, _, LogEvent evt) in LogEvents.Join(added))
        {
            if (evt is VersionPublished published)
            {
                VersionFollowed?.Invoke(index, published);
            }

            Book.Apply(evt);
            orders |= evt is OrderEvent;
        }

        if (orders)
        {
            OrdersChanged?.Invoke();
        }
    }

    public void Dispose() => _writer.Dispose();
}

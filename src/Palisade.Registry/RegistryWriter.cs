using System.Collections.Concurrent;
using System.Diagnostics;
using Palisade.Core.Events;
using Palisade.Core.Policy;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// Writes, durably and in log order, with group commit: a write joins a queue; the first writer to find no write in
/// progress becomes the leader and runs every write waiting at that moment in one transaction — each inside its own
/// savepoint, so a write that is refused (a problem, a conflict) is undone alone — and commits once, one fsync for all.
/// Each writer returns only after the commit that holds its write, so "acknowledged" still means "durable".
/// </summary>
/// <remarks>The writer also keeps the order book, which sees every event in log order: this process's after they
/// commit, other processes' when it follows the shared store.</remarks>
internal sealed class RegistryWriter(RegistryStore store, TransparencyLog log) : IDisposable
{
    private readonly RegistryStore _store = store;
    private readonly TransparencyLog _log = log;
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>Every order event applied so far, in log order (touch it only under the writer lock).</summary>
    public OrderBook Book { get; } = new();

    /// <summary>Runs when following the store finds a version another process published, before the book applies it.</summary>
    public Action<ulong, VersionPublished>? VersionFollowed { get; set; }

    /// <summary>Runs after order events were applied to the book.</summary>
    public Action? OrdersChanged { get; set; }

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
        while (!write.Done.Wait(0))
        {
            LeadWhilePending();

            // Another thread may hold the writer lock for a moment (following another node): look again shortly.
            write.Done.Wait(TimeSpan.FromMilliseconds(10));
        }

        return write.Result();
    }

    private void LeadWhilePending()
    {
        while (!_pending.IsEmpty && _writer.Wait(0))
        {
            long taken = Stopwatch.GetTimestamp();
            try
            {
                var batch = new List<PendingWrite>();
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
                Release(taken);
            }
        }
    }

    /// <summary>How long the writer lock has been held in all, since the process started: what writes wait for.</summary>
    public TimeSpan LockHeld => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _lockHeldTicks));

    private long _lockHeldTicks;

    private void Release(long taken)
    {
        Interlocked.Add(ref _lockHeldTicks, Stopwatch.GetTimestamp() - taken);
        _writer.Release();
    }

    /// <summary>Runs a batch of writes in one transaction and completes each (the caller holds the writer lock).</summary>
    private void Commit(List<PendingWrite> batch)
    {
        ulong before = _log.Size;
        LogState? committedState = null;
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
            // A savepoint per write lets one be undone alone; a batch of one is undone with its transaction.
            bool savepoints = batch.Count > 1;
            foreach (PendingWrite write in batch)
            {
                ulong start = _log.StagedSize;
                if (savepoints)
                {
                    session.Savepoint();
                }

                try
                {
                    write.Run(session, evt =>
                    {
                        if (write.Logged is not null)
                        {
                            throw new InvalidOperationException("one write logs one event");
                        }

                        List<byte[]> entries = LogEvents.Encode(evt, _log.StagedSize);
                        ulong first = _log.Stage(session, entries);
                        write.Logged = evt;
                        return ((long)first, entries.Count);
                    });
                    if (savepoints)
                    {
                        session.ReleaseSavepoint();
                    }
                }
                catch (Exception e) when (savepoints)
                {
                    // This write alone is undone: its rows, its entries and the tree nodes it staged.
                    session.RollbackToSavepoint();
                    _log.Abandon(start);
                    write.Logged = null;
                    write.Failed = e;
                }
            }

            // One signed tree head for everything this commit appends.
            if (_log.StagedSize > before)
            {
                committedState = _log.StageCheckpoint(session);
            }

            session.Commit();
            Interlocked.Increment(ref _commits);
        }
        catch (Exception e)
        {
            _log.Abandon(before);
            foreach (PendingWrite write in batch)
            {
                write.Failed ??= e;
                write.Logged = null;
                write.Done.Set();
            }

            return;
        }

        if (committedState is not null)
        {
            _log.Publish(committedState);
        }

        foreach (PendingWrite write in batch)
        {
            if (write.Failed is null && write.Logged is { } evt)
            {
                Book.Apply(evt);
                if (evt is OrderEvent)
                {
                    OrdersChanged?.Invoke();
                }
            }

            write.Complete();
            write.Done.Set();
        }
    }

    /// <summary>A write waiting in the queue.</summary>
    private abstract class PendingWrite
    {
        public ManualResetEventSlim Done { get; } = new(false);

        public bool Alone { get; init; }

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
            Done.Dispose();
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

using System.Text.Json.Nodes;
using Palisade.Core;
using Palisade.Log.Events;
using Palisade.Policy;
using static Palisade.Policy.Tests.PolicyFixtures;

namespace Palisade.Policy.Tests;

/// <summary>Registry versions from log events: incremental publication equals a rebuild from scratch, and deltas lead
/// from each version to the next.</summary>
public sealed class OrderBookTests
{
    [Fact]
    public void Prepare_IssuedAmendedRevoked_ListsActiveTargetsInCanonicalOrder()
    {
        var book = new OrderBook();
        book.Apply(Issued("rkn", "A-1", Jan1, null, "telegram.org", "*.t.me", "149.154.160.0/20"));
        book.Apply(Issued("agcom", "PS/7", Jan1 + 1000, null, "telegram.org", "https://example.org/page"));
        book.Apply(Amended("rkn", "A-1", Jan1 + 2000, ["web.telegram.org"], ["*.t.me"]));
        book.Apply(Issued("rkn", "A-2", Jan1 + 3000, null, "gone.example"));
        book.Apply(Revoked("rkn", "A-2", Jan1 + 4000));

        PolicyChange change = book.Prepare();
        Assert.Equal(
            ["149.154.160.0/20 rkn/A-1", "https://example.org/page agcom/PS/7", "telegram.org agcom/PS/7", "telegram.org rkn/A-1", "web.telegram.org rkn/A-1"],
            change.Entries.Select(e => e.Target + " " + e.Order.Reference));
        Assert.Equal(Jan1 + 4000, change.LogTimeMs);
        Assert.Empty(change.Removed);
        Assert.Equal(change.Entries, change.Added);
    }

    [Fact]
    public void Prepare_OrderExpiredByTheLastEvent_IsDroppedAndReportedRemoved()
    {
        var book = new OrderBook();
        book.Apply(Issued("rkn", "A-1", Jan1, Jan1 + 5000, "a.example"));
        book.Apply(Issued("rkn", "A-2", Jan1, null, "b.example"));
        book.Accept(book.Prepare());

        book.Apply(Issued("rkn", "A-3", Jan1 + 5000, null, "c.example"));
        PolicyChange change = book.Prepare();
        Assert.Equal(["b.example", "c.example"], change.Entries.Select(e => e.Target));
        Assert.Equal(["a.example"], change.Removed.Select(e => e.Target));
        Assert.Equal(["c.example"], change.Added.Select(e => e.Target));
    }

    [Fact]
    public void Prepare_ExpiryAmended_ReplacesEveryEntryOfTheOrder()
    {
        var book = new OrderBook();
        book.Apply(Issued("rkn", "A-1", Jan1, null, "a.example", "b.example"));
        book.Accept(book.Prepare());
        book.Apply(Amended("rkn", "A-1", Jan1 + 1, [], [], Jan1 + 86_400_000, changeExpiry: true));
        PolicyChange change = book.Prepare();
        Assert.Equal(2, change.Removed.Length);
        Assert.Equal(2, change.Added.Length);
        Assert.All(change.Entries, e => Assert.Equal(Jan1 + 86_400_000, e.Order.ExpiresMs));
    }

    [Fact]
    public void Undo_TentativeEvents_LeavesTheBookAsBefore_AndKeepKeepsThem()
    {
        var book = new OrderBook();
        book.Apply(Issued("rkn", "A-1", Jan1, null, "a.example", "b.example"));
        book.Apply(Issued("rkn", "A-2", Jan1 + 1, null, "c.example"));
        book.Accept(book.Prepare());
        book.Apply(Amended("rkn", "A-2", Jan1 + 2, ["d.example"], []));
        string before = Describe(book);

        // Every kind of change, tentatively: an issue, target changes, an expiry, a revocation, the time.
        book.BeginTentative();
        book.Apply(Issued("rkn", "A-3", Jan1 + 10, null, "e.example"));
        book.Apply(Amended("rkn", "A-1", Jan1 + 11, ["f.example", "a.example"], ["b.example"], Jan1 + 86_400_000, changeExpiry: true));
        book.Apply(Amended("rkn", "A-3", Jan1 + 12, ["g.example"], []));
        book.Apply(Revoked("rkn", "A-2", Jan1 + 13));
        Assert.NotEqual(before, Describe(book));
        book.Undo();
        Assert.Equal(before, Describe(book));
        Assert.False(book.TryGetOrder("rkn/A-3", out _, out _, out _));

        book.BeginTentative();
        book.Apply(Revoked("rkn", "A-2", Jan1 + 13));
        book.Keep();
        Assert.True(book.TryGetOrder("rkn/A-2", out _, out bool revoked, out _) && revoked);
        Assert.Throws<InvalidOperationException>(() => { book.BeginTentative(); book.BeginTentative(); });
    }

    /// <summary>Everything the book would publish next, and its time.</summary>
    private static string Describe(OrderBook book)
    {
        PolicyChange change = book.Prepare();
        return string.Join("\n", change.Entries.Select(e => $"{e.Target} {e.Order}"))
            + $"\nremoved {string.Join(' ', change.Removed.Select(e => e.Target))}\nadded {string.Join(' ', change.Added.Select(e => e.Target))}\n{change.LogTimeMs}";
    }

    [Fact]
    public void Apply_MalformedEvents_NameTheProblem()
    {
        var book = new OrderBook();
        Assert.Contains("before issuing", Assert.Throws<FormatException>(() => book.Apply(Revoked("rkn", "X", Jan1))).Message, StringComparison.Ordinal);
        book.Apply(Issued("rkn", "A-1", Jan1, null, "a.example"));
        Assert.Contains("issued twice", Assert.Throws<FormatException>(() => book.Apply(Issued("rkn", "A-1", Jan1, null, "a.example"))).Message, StringComparison.Ordinal);
        Assert.Contains("time", Assert.Throws<FormatException>(() => LogEvents.Parse(new JsonObject { ["type"] = "key.rotated", ["time"] = "yesterday", ["key"] = "k" })).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Prepare_RandomHistories_IncrementalEqualsScratchAndDeltasChain(int seed)
    {
        var random = new Random(seed);
        var book = new OrderBook();
        var events = new List<LogEvent>();
        var live = new List<string>();
        PolicyBundle previous = new("r", 0, 0, new byte[32], 0, []);
        long time = Jan1;
        for (int step = 0; step < 400; step++)
        {
            time += random.Next(0, 3) * 60_000;
            LogEvent evt;
            int choice = random.Next(10);
            if (live.Count == 0 || choice < 4)
            {
                string decision = "D-" + step;
                long? expires = random.Next(4) == 0 ? time + random.Next(1, 30) * 60_000 : null;
                evt = Issued(random.Next(2) == 0 ? "rkn" : "agcom", decision, time, expires, [.. Enumerable.Range(0, random.Next(1, 5)).Select(_ => Target(random))]);
                live.Add(((OrderIssued)evt).Reference.ToString());
            }
            else
            {
                string reference = live[random.Next(live.Count)];
                var parts = OrderReference.Parse(reference);
                if (choice < 8)
                {
                    evt = Amended(parts.Authority, parts.Decision, time, [Target(random)], [Target(random)], time + 3_600_000, changeExpiry: random.Next(3) == 0);
                }
                else
                {
                    evt = Revoked(parts.Authority, parts.Decision, time);
                    live.Remove(reference);
                }
            }

            events.Add(evt);
            book.Apply(evt);
            if (random.Next(5) == 0)
            {
                PolicyChange change = book.Prepare();
                var scratch = new OrderBook();
                events.ForEach(scratch.Apply);
                Assert.Equal(scratch.Prepare().Entries, change.Entries);
                Assert.True(change.Entries.SequenceEqual(change.Entries.Order(BundleEntry.Comparer)));

                var bundle = new PolicyBundle("r", previous.Version + 1, (ulong)events.Count, new byte[32], change.LogTimeMs, change.Entries);
                var delta = new PolicyDelta("r", bundle.Version, previous.Version, bundle.LogSize, bundle.LogRoot, change.LogTimeMs, bundle.ComputeHash(), change.Removed, change.Added);
                Assert.Equal(bundle.ToBytes(), PolicyDelta.Parse(delta.ToBytes()).ApplyTo(previous).ToBytes());
                book.Accept(change);
                previous = bundle;
            }
        }
    }

    private static string Target(Random random) => random.Next(4) switch
    {
        0 => $"site{random.Next(30)}.example",
        1 => $"*.zone{random.Next(10)}.example",
        2 => $"10.{random.Next(4)}.0.0/16",
        _ => $"https://files.example/{random.Next(20)}",
    };
}

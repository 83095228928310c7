using System.Net;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>Group commit: concurrent writers share transactions, a refused write is undone alone, and every
/// acknowledged write is in the one linear log.</summary>
public abstract class GroupCommitTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task ConcurrentWriters_ShareCommits_RefusedWritesAloneAreUndone()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        var rkn = new Caller("k", Role.Authority, "rkn");
        long commitsBefore = f.Host.Registry.Writer.Commits;
        ulong sizeBefore = f.Host.Registry.Log.Size;

        // 64 writers at once, each on a thread of its own, released together; every fourth repeats a decision number
        // another writer also uses, so exactly one of each pair is accepted and the other refused with a conflict.
        var results = new (string Decision, Exception? Error, long Index)[64];
        using var start = new Barrier(64);
        Thread[] threads = [.. Enumerable.Range(0, 64).Select(i => new Thread(() =>
        {
            string decision = i % 4 == 3 ? $"G-{i - 1}" : $"G-{i}";
            start.SignalAndWait();
            try
            {
                Api.OrderEventCreated created = f.Host.Registry.Orders.IssueOrder(rkn, new Api.IssueOrderRequest
                {
                    Decision = decision, DecisionDate = "2024-01-01", LegalBasis = "law", Category = "malware", Summary = "s",
                    Effective = "2026-01-01T00:00:00Z", Targets = [$"g{i}.example"],
                });
                results[i] = (decision, null, created.LogIndex);
            }
            catch (RegistryProblem e)
            {
                results[i] = (decision, e, -1);
            }
        }))];
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());

        int accepted = results.Count(r => r.Error is null);
        Assert.Equal(48, accepted);
        Assert.All(results.Where(r => r.Error is not null), r => Assert.Equal(409, ((RegistryProblem)r.Error!).Status));
        Assert.Equal(sizeBefore + 48, f.Host.Registry.Log.Size);
        long commits = f.Host.Registry.Writer.Commits - commitsBefore;
        TestContext.Current.SendDiagnosticMessage($"64 concurrent writes in {commits} commits");
        Assert.True(commits < 64, $"{commits} commits for 64 writes");

        // Every accepted order is readable, and the log audits.
        foreach (string decision in results.Where(r => r.Error is null).Select(r => r.Decision))
        {
            using HttpResponseMessage response = await f.Http.GetAsync("/v1/orders/rkn/" + decision, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The order list (newest first) has them in log order, though a commit wrote its rows together.
        JsonObject list = await f.JsonAsync(await f.Http.GetAsync("/v1/orders?authority=rkn&limit=100", TestContext.Current.CancellationToken));
        string[] listed = [.. list["orders"]!.AsArray().Select(o => o!["decision"]!.GetValue<string>()).Where(d => d.StartsWith("G-", StringComparison.Ordinal))];
        string[] byLog = [.. results.Where(r => r.Error is null).OrderByDescending(r => r.Index).Select(r => r.Decision)];
        Assert.Equal(byLog, listed);

        (int exit, _, string stderr) = LogAuditTests.Cli("verify", "--log", f.BaseAddress + "log/", "--state", Path.Combine(f.Directory, "verify.state"));
        Assert.True(exit == 0, stderr);
    }

    [Fact]
    public async Task WriteFailingAfterItLogged_FailsItsCommit_AndLeavesNoTrace()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        var rkn = new Caller("k", Role.Authority, "rkn");

        // The store refuses one target: the write that carries it has logged its event (in the tree and in the order
        // book, tentatively) when its rows fail.
        f.ExecuteSql(Store == RegistryStoreKind.Sqlite
            ? "CREATE TRIGGER refuse BEFORE INSERT ON order_targets WHEN NEW.value = 'refused.example' BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
            : """
              CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                IF NEW.value = 'refused.example' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; RETURN NEW; END $$;
              CREATE TRIGGER refuse BEFORE INSERT ON order_targets FOR EACH ROW EXECUTE FUNCTION refuse();
              """);
        ulong size = f.Host.Registry.Log.Size;
        string root = Convert.ToHexString(f.Host.Registry.Log.Root(size));
        Assert.ThrowsAny<System.Data.Common.DbException>(() => f.Host.Registry.Orders.IssueOrder(rkn, Request("F-1", "refused.example")));
        Assert.Equal(size, f.Host.Registry.Log.Size);

        // Nothing of it stayed: the same decision number is free, the log goes on from the same root, and the order book
        // (which the next version and lookups come from) has only what was committed.
        f.Host.Registry.Orders.IssueOrder(rkn, Request("F-1", "accepted.example"));
        Assert.Equal(size + 1, f.Host.Registry.Log.Size);
        Assert.Equal(root, Convert.ToHexString(f.Host.Registry.Log.Root(size)));
        Assert.Empty(f.Host.Registry.Queries.Lookup("refused.example", null, null).Matches);
        Assert.Single(f.Host.Registry.Queries.Lookup("accepted.example", null, null).Matches);
        RegistryVersion version = f.Host.Registry.Versions.PublishVersion()!;
        RegistryOptions options = f.Host.Registry.Options;
        await f.StopAsync();
        using RegistryService reopened = RegistryService.Open(options);
        Assert.Equal(version.BundleSha256, reopened.Versions.LatestVersion!.BundleSha256);
    }

    private static Api.IssueOrderRequest Request(string decision, string target) => new()
    {
        Decision = decision, DecisionDate = "2024-01-01", LegalBasis = "law", Category = "malware", Summary = "s",
        Effective = "2026-01-01T00:00:00Z", Targets = [target],
    };
}

/// <summary>GroupCommitTests on SQLite.</summary>
public sealed class GroupCommitTestsOnSqlite() : GroupCommitTests(RegistryStoreKind.Sqlite);

/// <summary>GroupCommitTests on PostgreSQL.</summary>
public sealed class GroupCommitTestsOnPostgres() : GroupCommitTests(RegistryStoreKind.Postgres);

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Registry.Tests;

/// <summary>
/// A followed or audited registry is an untrusted peer: whatever it serves is read within the bound its format allows
/// (checkpoint <see cref="SignedNote.MaxLength"/>, entry bundle <see cref="TlogTiles.MaxEntryBundleBytes"/>), and a peer
/// that serves more fails, not the reader. Each attack counts the bytes the reader took: without the bounds the reader
/// takes the whole gibibyte.
/// </summary>
public sealed class HostilePeerTests
{
    /// <summary>What a reader may take beyond its bound: the socket buffers on both sides.</summary>
    private const long SocketSlack = 32L * 1024 * 1024;

    [Theory]
    [InlineData(HostileRegistry.Attack.DeclaredHugeTile, TlogTiles.MaxEntryBundleBytes, "declares a body of 1073741824 bytes")]
    [InlineData(HostileRegistry.Attack.EndlessTile, TlogTiles.MaxEntryBundleBytes, "runs past 16777472 bytes")]
    [InlineData(HostileRegistry.Attack.EndlessCheckpoint, SignedNote.MaxLength, "runs past 1048576 bytes")]
    public async Task Auditor_OversizedResource_FailsThePeerWithinItsBound(HostileRegistry.Attack attack, int bound, string reason)
    {
        await using HostileRegistry hostile = await HostileRegistry.StartAsync(attack);
        using var http = new HttpClient();
        var auditor = new LogAuditor(http, new Uri(hostile.BaseAddress, "log/"));
        LogVerificationException refused = await Assert.ThrowsAsync<LogVerificationException>(
            () => auditor.AuditAsync(NoteVerifier.Parse(hostile.Key.VerifierKey), null, TestContext.Current.CancellationToken));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
        Assert.True(hostile.Sent < bound + SocketSlack, $"the auditor took {hostile.Sent} bytes of a resource bounded by {bound}");
    }

    [Theory]
    [InlineData(HostileRegistry.Attack.DeclaredHugeTile)]
    [InlineData(HostileRegistry.Attack.EndlessTile)]
    [InlineData(HostileRegistry.Attack.EndlessCheckpoint)]
    public async Task VerifyCommand_OversizedResource_ExitsFailingThePeer(HostileRegistry.Attack attack)
    {
        await using HostileRegistry hostile = await HostileRegistry.StartAsync(attack);
        string state = Path.Combine(Path.GetTempPath(), $"palisade-hostile-{Guid.NewGuid():N}.state");
        try
        {
            await using PalisadeProcess verify = PalisadeProcess.Start("verify", "--log", hostile.BaseAddress + "log/", "--key", hostile.Key.VerifierKey, "--state", state);
            int exit = await verify.WaitForExitAsync();
            Assert.True(exit == 5, $"exit {exit}: {verify.Output}");
            Assert.Contains("palisade verify: FAILED:", verify.Output, StringComparison.Ordinal);
            Assert.True(hostile.Sent < TlogTiles.MaxEntryBundleBytes + SocketSlack, $"verify took {hostile.Sent} bytes");
            Assert.False(File.Exists(state), "a failed audit pinned a checkpoint");
        }
        finally
        {
            File.Delete(state);
        }
    }

    [Theory]
    [InlineData(HostileRegistry.Attack.DeclaredHugeTile)]
    [InlineData(HostileRegistry.Attack.EndlessTile)]
    [InlineData(HostileRegistry.Attack.EndlessCheckpoint)]
    public async Task ServeFollow_OversizedResource_MirrorFailsAndMemoryStaysBounded(HostileRegistry.Attack attack)
    {
        await using HostileRegistry hostile = await HostileRegistry.StartAsync(attack);
        string data = Directory.CreateTempSubdirectory("palisade-follow-hostile-").FullName;
        try
        {
            await using PalisadeProcess serve = PalisadeProcess.Start("serve", "--data", data, "--urls", "http://127.0.0.1:0",
                "--follow", hostile.BaseAddress + "=" + hostile.Key.VerifierKey);
            await serve.WaitForOutputAsync(@"listening on http://\S+");
            var baseAddress = new Uri(Regex.Match(serve.Output, @"listening on (http://\S+)").Groups[1].Value);
            using var http = new HttpClient { BaseAddress = baseAddress };

            // The mirror reports the peer as failing, naming the bound; the process goes on serving.
            string? lastError = null;
            for (int i = 0; i < 300 && lastError is null; i++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                JsonArray mirrors = JsonNode.Parse(await http.GetStringAsync("/v1/mirrors", TestContext.Current.CancellationToken))!.AsArray();
                lastError = mirrors[0]!["lastError"]?.GetValue<string>();
            }

            Assert.NotNull(lastError);
            Assert.Matches("declares a body of|runs past", lastError);
            long resident = serve.ResidentBytes;
            Assert.True(resident < 300L * 1024 * 1024, $"palisade serve --follow holds {resident / (1024 * 1024)} MiB after following a hostile registry");
            Assert.True(hostile.Sent < TlogTiles.MaxEntryBundleBytes + SocketSlack, $"the mirror took {hostile.Sent} bytes");
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/log/checkpoint", TestContext.Current.CancellationToken)).StatusCode);
            Assert.Equal(0, await serve.TerminateAsync());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void RetryPause_FailuresInARow_DoubleUpToTheMaximum()
    {
        Assert.Equal(LogMirror.PollInterval, LogMirror.RetryPause(0));
        Assert.Equal(TimeSpan.FromSeconds(1), LogMirror.RetryPause(1));
        Assert.Equal(TimeSpan.FromSeconds(2), LogMirror.RetryPause(2));
        Assert.Equal(TimeSpan.FromSeconds(64), LogMirror.RetryPause(7));
        Assert.Equal(LogMirror.MaxRetryInterval, LogMirror.RetryPause(8));
        Assert.Equal(LogMirror.MaxRetryInterval, LogMirror.RetryPause(1000));
    }
}

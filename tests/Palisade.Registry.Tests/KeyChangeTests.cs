using System.Net;
using Microsoft.Extensions.Logging;
using Palisade.Cli;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Registry.Tests;

/// <summary>An enforcement point started against a registry whose key is not the one it pinned (a registry set up again
/// at the same address) stops at once and says what to do; a refused update is logged once per reason.</summary>
public sealed class KeyChangeTests
{
    [Fact]
    public async Task Dns_PinnedKeyDiffersFromThePublishedOne_StopsWithExit4NamingBothKeysTheFileAndWhatToDo()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        string cache = Path.Combine(f.Directory, "dns-cache");
        Directory.CreateDirectory(cache);
        using NoteSigner old = NoteSigner.Generate("registry.test/log");
        string pinnedFile = Path.Combine(cache, "registry.key");
        await File.WriteAllTextAsync(pinnedFile, old.VerifierKey + "\n", TestContext.Current.CancellationToken);
        string published = f.Host.Registry.Log.VerifierKey;

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = PalisadeCli.Run(["dns", "--registry", f.BaseAddress.AbsoluteUri, "--dns", "127.0.0.1:0", "--no-upstream", "--cache", cache], TextReader.Null, stdout, stderr);
        string message = stderr.ToString();
        Assert.Equal(4, exit);
        Assert.Contains(old.VerifierKey, message, StringComparison.Ordinal);
        Assert.Contains(published, message, StringComparison.Ordinal);
        Assert.Contains(pinnedFile, message, StringComparison.Ordinal);
        Assert.Contains($"pass --key {published}", message, StringComparison.Ordinal);
        Assert.Contains($"remove {pinnedFile}", message, StringComparison.Ordinal);
        Assert.Equal(old.VerifierKey + "\n", await File.ReadAllTextAsync(pinnedFile, TestContext.Current.CancellationToken));

        // A wrong --key is refused the same way, naming it.
        stderr = new StringWriter();
        Assert.Equal(4, PalisadeCli.Run(["firewall", "--registry", f.BaseAddress.AbsoluteUri, "--key", old.VerifierKey, "--cache", cache, "--nft", "/bin/false"], TextReader.Null, stdout, stderr));
        Assert.Contains("given with --key", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscription_SameRefusalRepeated_IsLoggedOncePerReason()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("K-1", "telegram.org"))).StatusCode);
        Assert.NotNull(f.Host.Registry.Versions.PublishVersion());

        using NoteSigner other = NoteSigner.Generate("registry.test/log");
        var logger = new CollectingLogger();
        var subscription = new PolicySubscription(f.Http, f.BaseAddress, NoteVerifier.Parse(other.VerifierKey), logger);
        for (int i = 0; i < 5; i++)
        {
            Assert.False(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        }

        Assert.Equal(5, subscription.Failures);
        Assert.Single(logger.Warnings);
        Assert.Contains("does not verify", logger.Warnings[0], StringComparison.Ordinal);

        // A different reason is logged again.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("K-2", "t.me"))).StatusCode);
        Assert.NotNull(f.Host.Registry.Versions.PublishVersion());
        Assert.False(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.False(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(2, logger.Warnings.Count);
    }

    private sealed class CollectingLogger : ILogger<PolicySubscription>
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                lock (Warnings)
                {
                    Warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}

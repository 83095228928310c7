using Microsoft.Extensions.Logging;

namespace Palisade.Registry.Tests;

/// <summary>Tests that run once on SQLite and once on PostgreSQL: each such class is abstract, and two sealed classes
/// (…OnSqlite, …OnPostgres) name the store.</summary>
public abstract class StoreTests(RegistryStoreKind store)
{
    protected RegistryStoreKind Store { get; } = store;

    private protected Task<RegistryFixture> StartAsync(Action<RegistryOptions>? configure = null, Action<ILoggingBuilder>? logging = null) =>
        RegistryFixture.StartAsync(configure, logging, Store);
}

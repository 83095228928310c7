using System.Data;

namespace Palisade.Registry.Storage;

/// <summary>
/// Copies a registry from one store into an empty one (<c>palisade migrate</c>): every table, in one transaction on the
/// target, orders in the order they were issued. The log's entries and signed checkpoints are copied byte for byte, so
/// the copy has the same size and root and the registry serves from it at once with the same log key.
/// </summary>
internal static class RegistryMigration
{
    /// <summary>Copies <paramref name="from"/> into <paramref name="to"/>, which must hold no log.</summary>
    /// <exception cref="RegistryConfigurationException">The target already holds a registry.</exception>
    public static void Copy(RegistryStore from, RegistryStore to, IProgress<(string Table, long Rows)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        from.Initialize();
        to.Initialize();
        using RegistrySession source = from.OpenRead(snapshot: true);
        using RegistrySession target = to.BeginWrite();
        if (!target.IsEmpty())
        {
            throw new RegistryConfigurationException($"{to.Description} already holds a registry (origin {target.GetMeta("origin") ?? "unknown"}); migrate copies into an empty database only");
        }

        // The schema version row exists on both sides already.
        target.Execute("DELETE FROM meta");
        foreach ((string table, string order, (string Name, DbType Type)[] columns) in RegistrySchema.Tables)
        {
            long rows = target.InsertRows(table, columns, source.ReadRows(table, columns, order));
            progress?.Report((table, rows));
        }

        target.Commit();
    }
}

using System.Data;
using System.Data.Common;
using Palisade.Registry.Api;

namespace Palisade.Registry.Storage;

/// <summary>Whole tables, for <c>palisade migrate</c> and the start-up check.</summary>
internal sealed partial class RegistrySession
{
    /// <summary>Every row of a table, its columns in the order given, sorted by <paramref name="order"/>.</summary>
    public IEnumerable<object?[]> ReadRows(string table, IReadOnlyList<(string Name, DbType Type)> columns, string order)
    {
        using DbCommand command = Command($"SELECT {string.Join(", ", columns.Select(c => c.Name))} FROM {table} ORDER BY {order}");
        using DbDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            object?[] row = new object?[columns.Count];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            yield return row;
        }
    }

    /// <summary>Inserts rows into a table; returns how many.</summary>
    public long InsertRows(string table, IReadOnlyList<(string Name, DbType Type)> columns, IEnumerable<object?[]> rows)
    {
        using DbCommand command = Command(
            $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => c.Name))}) VALUES ({string.Join(", ", columns.Select(c => "@" + c.Name))})",
            [.. columns.Select(c => Parameter(c.Name, c.Type, null))]);
        long count = 0;
        foreach (object?[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                command.Parameters[i].Value = row[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
            count++;
        }

        return count;
    }
}

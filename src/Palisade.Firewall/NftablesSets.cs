using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Palisade.Formats;

namespace Palisade.Firewall;

/// <summary>
/// The two nftables interval sets an enforcement point keeps, <c>blocked_v4</c> and <c>blocked_v6</c> in its own
/// <c>inet</c> table, and the one <c>nft -f</c> transaction that replaces their contents. nft evaluates the whole file
/// and sends it to the kernel as one batch, which the kernel commits or refuses whole: a packet never meets a set that
/// is half updated or flushed and not yet refilled. Nothing else in the table (the operator's chains and rules that use
/// the sets) is touched.
/// </summary>
public sealed class NftablesSets
{
    /// <summary>The IPv4 set's name (the same as in <c>palisade export --format nftables</c>).</summary>
    public const string IPv4Set = NftablesText.IPv4Set;

    /// <summary>The IPv6 set's name.</summary>
    public const string IPv6Set = NftablesText.IPv6Set;

    /// <summary>Longest table name accepted.</summary>
    public const int MaxTableNameLength = NftablesText.MaxTableNameLength;

    /// <summary>How long one <c>nft</c> run may take before it is killed (and the update retried).</summary>
    public static readonly TimeSpan NftTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Most characters of <c>nft</c>'s error output kept for the message.</summary>
    public const int MaxErrorChars = 4096;

    /// <summary>Keeps the sets of table <paramref name="table"/> with the nft binary <paramref name="nft"/>.</summary>
    /// <param name="table">The table's name: a letter, then letters, digits or '_' (at most <see cref="MaxTableNameLength"/>).</param>
    /// <param name="nft">The nft program (a path, or a name found on PATH).</param>
    public NftablesSets(string table, string nft = "nft")
    {
        if (!IsValidTableName(table))
        {
            throw new ArgumentException($"'{table}' is not a table name: a letter, then letters, digits or '_', at most {MaxTableNameLength} characters", nameof(table));
        }

        Table = table;
        Nft = nft;
    }

    /// <summary>The table (family <c>inet</c>).</summary>
    public string Table { get; }

    /// <summary>The nft program.</summary>
    public string Nft { get; }

    /// <summary>True when <paramref name="name"/> is a table name this class accepts.</summary>
    public static bool IsValidTableName(string? name) => NftablesText.IsValidTableName(name);

    /// <summary>The script that creates the table and the two sets when they are missing and changes nothing else.</summary>
    public string DeclarationScript() => NftablesText.Declaration(Table);

    /// <summary>The script that replaces the sets' contents with <paramref name="v4"/> and <paramref name="v6"/> in one
    /// transaction.</summary>
    /// <param name="v4">The IPv4 intervals.</param>
    /// <param name="v6">The IPv6 intervals.</param>
    /// <param name="comment">A line to begin the script with (as a comment), such as the registry version.</param>
    public string ReplaceScript(AddressIntervals v4, AddressIntervals v6, string comment)
    {
        ArgumentNullException.ThrowIfNull(v4);
        ArgumentNullException.ThrowIfNull(v6);
        return NftablesText.Replacement(Table, v4.Elements(), v6.Elements(), comment);
    }

    /// <summary>Runs <c>nft -f -</c> with <paramref name="script"/> on its standard input.</summary>
    /// <exception cref="NftablesException">nft could not be started, failed (its message is kept), or took too long.</exception>
    public async Task RunAsync(string script, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        var start = new ProcessStartInfo(Nft)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add("-");
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new NftablesException($"cannot run '{Nft}': {e.Message}", e);
        }

        Task<string> errors = ReadBoundedAsync(process.StandardError);
        Task<string> output = ReadBoundedAsync(process.StandardOutput);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(NftTimeout);
        try
        {
            await process.StandardInput.WriteAsync(script.AsMemory(), timeout.Token).ConfigureAwait(false);
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new NftablesException(e is IOException ? $"'{Nft}' closed its input: {await errors.ConfigureAwait(false)}".TrimEnd(' ', ':') : $"'{Nft}' did not finish within {NftTimeout.TotalSeconds:0} s", e);
        }

        string message = (await errors.ConfigureAwait(false)).Trim();
        await output.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new NftablesException($"'{Nft} -f -' exited with {process.ExitCode}: {(message.Length == 0 ? "no message" : message)}");
        }
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var kept = new StringBuilder();
        char[] buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            int room = MaxErrorChars - kept.Length;
            if (room > 0)
            {
                kept.Append(buffer, 0, Math.Min(room, read));
            }
        }

        return kept.ToString();
    }
}

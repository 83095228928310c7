using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Palisade.Policy;

namespace Palisade.Dns;

/// <summary>
/// Asks Linux to back a compiled policy's large arrays with 2 MiB pages (<c>madvise</c> with <c>MADV_HUGEPAGE</c>, then
/// <c>MADV_COLLAPSE</c>, which makes them huge pages at once instead of when the kernel's background scan gets there).
/// A name lookup reads a slot, an entry and a target at random places in tens of megabytes; with 4 KiB pages each read
/// also misses the TLB. Measured at a million entries, blocked names: 0.9–1.0 µs of user time a query with 4 KiB pages,
/// 0.8 with huge pages (docs/benchmarks.md). Only the part of each array on whole 2 MiB pages is advised; a kernel
/// without the advice (older than 6.1, or transparent huge pages set to <c>never</c>) refuses it and nothing changes.
/// The second type in Palisade with pointers (STYLE.md), beside <see cref="UdpBatch"/>.
/// </summary>
internal sealed unsafe partial class HugePages : ILargeArrayVisitor
{
    private const int MadviseHugePage = 14;
    private const int MadviseCollapse = 25;
    private const nuint HugePageSize = 2 * 1024 * 1024;

    /// <summary>Bytes the kernel was asked to back with huge pages.</summary>
    public long Advised => Ranges.Sum(range => (long)range.Length);

    /// <summary>Bytes it made huge pages of.</summary>
    public long Collapsed { get; private set; }

    /// <summary>The error number of the last collapse the kernel refused (0: none), such as <c>EAGAIN</c> or
    /// <c>ENOMEM</c> when it had no free 2 MiB of physical memory at the time.</summary>
    public int CollapseError { get; private set; }

    /// <summary>Where the advised ranges start, and their lengths.</summary>
    public List<(nuint Start, nuint Length)> Ranges { get; } = [];

    /// <summary>Advises the large arrays of <paramref name="policy"/>; returns what was done.</summary>
    public static HugePages Advise(CompiledPolicy policy)
    {
        var pages = new HugePages();
        if (OperatingSystem.IsLinux())
        {
            policy.VisitLargeArrays(pages);
        }

        return pages;
    }

    /// <inheritdoc/>
    public void Visit<T>(T[] array)
        where T : struct
    {
        // Large arrays live on the large-object heap, which no collection after the start compacts: the address stays.
        nuint start = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nuint end = start + ((nuint)array.Length * (nuint)Unsafe.SizeOf<T>());
        nuint first = (start + HugePageSize - 1) & ~(HugePageSize - 1);
        nuint last = end & ~(HugePageSize - 1);
        if (last <= first)
        {
            return;
        }

        if (Madvise((void*)first, last - first, MadviseHugePage) == 0)
        {
            Ranges.Add((first, last - first));
            if (Madvise((void*)first, last - first, MadviseCollapse) == 0)
            {
                Collapsed += (long)(last - first);
            }
            else
            {
                CollapseError = Marshal.GetLastPInvokeError();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(void* address, nuint length, int advice);
}

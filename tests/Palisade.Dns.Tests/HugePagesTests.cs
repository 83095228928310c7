using System.Globalization;
using Palisade.Policy;

namespace Palisade.Dns.Tests;

/// <summary>The policy's large arrays on huge pages, as /proc/self/smaps reports them.</summary>
public sealed class HugePagesTests
{
    [Fact]
    public void Advise_LargePolicy_PutsItsArraysOnHugePages()
    {
        string setting = File.Exists("/sys/kernel/mm/transparent_hugepage/enabled") ? File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled") : "";
        if (!OperatingSystem.IsLinux() || setting.Length == 0 || setting.Contains("[never]", StringComparison.Ordinal))
        {
            Assert.Skip($"transparent huge pages are off here ({setting.Trim()})");
        }

        var order = new PolicyOrder("court/H-1", "court-order", 0, null);
        BundleEntry[] entries = [.. Enumerable.Range(0, 400_000).Select(i => new BundleEntry($"name-{i}.example", order))];
        Array.Sort(entries, BundleEntry.Compare);
        CompiledPolicy policy = CompiledPolicy.Build(new PolicyBundle("registry.test/log", 1, 1, new byte[32], 0, entries));

        HugePages pages = HugePages.Advise(policy);

        // 6.4 MB of entries and 6.7 MB of name slots: each has at least one whole 2 MiB page.
        Assert.Equal(2, pages.Ranges.Count);
        if (pages.CollapseError is 11 or 12)
        {
            // EAGAIN, ENOMEM: the machine had no free 2 MiB of physical memory; the advice stands for later.
            Assert.Skip($"the kernel had no huge page free (errno {pages.CollapseError})");
        }

        Assert.True(pages.Collapsed == pages.Advised, $"{pages.Collapsed} of {pages.Advised} bytes collapsed (MADV_COLLAPSE needs Linux 6.1)");
        foreach ((nuint start, nuint length) in pages.Ranges)
        {
            long huge = HugeKilobytes(start);
            Assert.True(huge * 1024 >= (long)length, $"the mapping at {start:x} has {huge} kB on huge pages, not {length / 1024}");
        }

        Assert.True(policy.TryMatchName("name-7.example", 0, out _, out _));
    }

    /// <summary>AnonHugePages of the mapping that holds <paramref name="address"/>, from /proc/self/smaps.</summary>
    private static long HugeKilobytes(nuint address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong from)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong to))
            {
                inside = from <= address && address < to;
            }
            else if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(14).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}

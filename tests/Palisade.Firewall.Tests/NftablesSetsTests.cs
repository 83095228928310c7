using Palisade.Core;

namespace Palisade.Firewall.Tests;

/// <summary>The nftables sets: joined intervals as nft lists them, and one transaction that commits whole or not at all,
/// checked in the kernel of a network namespace the test creates.</summary>
public sealed class NftablesSetsTests
{
    [Fact]
    public async Task Sets_AFailedTransaction_LeavesTheSetsAsTheyWere()
    {
        string directory = Directory.CreateTempSubdirectory("palisade-fw-").FullName;
        await using NetworkNamespace ns = await NetworkNamespace.CreateAsync(directory);
        var sets = new NftablesSets("isp_filter", ns.Nft);
        await sets.RunAsync(sets.DeclarationScript(), TestContext.Current.CancellationToken);
        Assert.Equal([], await ns.SetElementsAsync("isp_filter", NftablesSets.IPv4Set));

        IpPrefix[] first = [IpPrefix.Parse("10.0.0.0/8"), IpPrefix.Parse("2001:db8::1/128")];
        await sets.RunAsync(sets.ReplaceScript(AddressIntervals.Join(first, false), AddressIntervals.Join(first, true), "first"), TestContext.Current.CancellationToken);
        Assert.Equal(["10.0.0.0/8"], await ns.SetElementsAsync("isp_filter", NftablesSets.IPv4Set));
        Assert.Equal(["2001:db8::1"], await ns.SetElementsAsync("isp_filter", NftablesSets.IPv6Set));

        // A transaction whose last command fails: the flushes and additions before it never take effect.
        IpPrefix[] second = [IpPrefix.Parse("172.16.0.0/12")];
        string failing = sets.ReplaceScript(AddressIntervals.Join(second, false), AddressIntervals.Join(second, true), "second") + "add element inet isp_filter no_such_set { 192.0.2.1 }\n";
        NftablesException e = await Assert.ThrowsAsync<NftablesException>(() => sets.RunAsync(failing, TestContext.Current.CancellationToken));
        Assert.Contains("no_such_set", e.Message, StringComparison.Ordinal);
        Assert.Equal(["10.0.0.0/8"], await ns.SetElementsAsync("isp_filter", NftablesSets.IPv4Set));
        Assert.Equal(["2001:db8::1"], await ns.SetElementsAsync("isp_filter", NftablesSets.IPv6Set));

        // Declaring again (a restart) keeps the elements.
        await sets.RunAsync(sets.DeclarationScript(), TestContext.Current.CancellationToken);
        Assert.Equal(["10.0.0.0/8"], await ns.SetElementsAsync("isp_filter", NftablesSets.IPv4Set));

        // A missing nft is a clear error.
        NftablesException missing = await Assert.ThrowsAsync<NftablesException>(() => new NftablesSets("t", "/nonexistent/nft").RunAsync("", TestContext.Current.CancellationToken));
        Assert.Contains("/nonexistent/nft", missing.Message, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData(new[] { "10.0.0.0/9", "10.128.0.0/9" }, false, new[] { "10.0.0.0/8" })]
    [InlineData(new[] { "192.0.2.1/32", "192.0.2.2/31" }, false, new[] { "192.0.2.1-192.0.2.3" })]
    [InlineData(new[] { "192.0.2.0/24", "192.0.2.128/25", "192.0.2.7/32" }, false, new[] { "192.0.2.0/24" })]
    [InlineData(new[] { "198.51.100.7/32", "198.51.100.9/32" }, false, new[] { "198.51.100.7", "198.51.100.9" })]
    [InlineData(new[] { "0.0.0.0/0", "10.0.0.0/8" }, false, new[] { "0.0.0.0/0" })]
    [InlineData(new[] { "255.255.255.255/32", "255.255.255.254/32" }, false, new[] { "255.255.255.254/31" })]
    [InlineData(new[] { "::/0", "2001:db8::/32" }, true, new[] { "::/0" })]
    [InlineData(new[] { "2001:db8::/33", "2001:db8:8000::/33", "10.0.0.0/8" }, true, new[] { "2001:db8::/32" })]
    [InlineData(new[] { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::/128" }, true, new[] { "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" })]
    public void Intervals_JoinOverlappingAndAdjacentPrefixes_AsNftListsThem(string[] prefixes, bool ipv6, string[] expected) =>
        Assert.Equal(expected, AddressIntervals.Join(prefixes.Select(IpPrefix.Parse), ipv6).Elements());

    [Fact]
    public void TableNames_OnlyPlainIdentifiers()
    {
        Assert.True(NftablesSets.IsValidTableName("palisade"));
        Assert.True(NftablesSets.IsValidTableName("isp_filter2"));
        foreach (string bad in new[] { "", "2x", "a b", "a;flush ruleset", "a-b", new string('a', NftablesSets.MaxTableNameLength + 1) })
        {
            Assert.False(NftablesSets.IsValidTableName(bad), bad);
        }
    }
}

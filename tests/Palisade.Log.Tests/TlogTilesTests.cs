using Palisade.Log;

namespace Palisade.Log.Tests;

public sealed class TlogTilesTests
{
    [Theory]
    [InlineData(0UL, "000")]
    [InlineData(5UL, "005")]
    [InlineData(1000UL, "x001/000")]
    [InlineData(1234067UL, "x001/x234/067")]
    public void FormatIndex_SpecExamples(ulong index, string expected) => Assert.Equal(expected, TlogTiles.FormatIndex(index));

    [Theory]
    [InlineData(0, 1234067UL, 256, "tile/0/x001/x234/067")]
    [InlineData(2, 0UL, 1, "tile/2/000.p/1")]
    [InlineData(-1, 273UL, 112, "tile/entries/273.p/112")]
    public void Paths_FormatAndParseBack(int level, ulong index, int width, string path)
    {
        Assert.Equal(path, level < 0 ? TlogTiles.EntriesPath(index, width) : TlogTiles.TilePath(level, index, width));
        Assert.True(TlogTiles.TryParsePath(path["tile/".Length..], out int l, out ulong n, out int w));
        Assert.Equal((level, index, width), (l, n, w));
    }

    [Theory]
    [InlineData("0/1")]
    [InlineData("0/0001")]
    [InlineData("0/001/002")]
    [InlineData("01/000")]
    [InlineData("64/000")]
    [InlineData("0/000.p/0")]
    [InlineData("0/000.p/256")]
    [InlineData("0/000.p/01")]
    [InlineData("entries/x1/000")]
    [InlineData("0")]
    public void TryParsePath_NonCanonical_Refused(string path) => Assert.False(TlogTiles.TryParsePath(path, out _, out _, out _));

    [Fact]
    public void PartialWidth_SpecExampleOf70000()
    {
        // c2sp.org/tlog-tiles: 273 full level-0 tiles and a partial of 112, a partial level-1 tile of 17, level 2 of 1.
        Assert.Equal(112, TlogTiles.PartialWidth(0, 70_000));
        Assert.Equal(17, TlogTiles.PartialWidth(1, 70_000));
        Assert.Equal(1, TlogTiles.PartialWidth(2, 70_000));
        Assert.Equal(0, TlogTiles.PartialWidth(3, 70_000));
    }

    [Fact]
    public void Bundle_RoundTripsAndRejectsTruncation()
    {
        byte[][] entries = [[], [1, 2, 3], new byte[300]];
        byte[] bundle = TlogTiles.EncodeBundle(entries);
        Assert.Equal(entries, TlogTiles.DecodeBundle(bundle));
        for (int i = 1; i < bundle.Length; i++)
        {
            int cut = i;
            if (cut is 2 or 7)
            {
                continue; // cuts that end exactly after a whole entry are a shorter, valid bundle
            }

            Assert.Throws<FormatException>(() => TlogTiles.DecodeBundle(bundle.AsSpan(0, cut)));
        }
    }
}

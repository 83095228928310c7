namespace Palisade.Inspect.Tests;

/// <summary>The fast path allocates nothing: reading a frame and following a flow whose names are already read (the bulk
/// of any capture: encrypted application data) costs no heap allocation per packet.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void FramesOfAFlowAlreadyRead_AllocateNothing()
    {
        byte[] hello = BuiltCaptures.ClientHelloRecord("alloc.example");
        var frames = new List<byte[]> { BuiltCaptures.Tcp(1, 0x02, []), BuiltCaptures.Tcp(2, 0x18, hello) };
        uint sequence = 2 + (uint)hello.Length;
        byte[] data = new byte[1200];
        data[0] = 0x17;
        for (int i = 0; i < 2000; i++)
        {
            frames.Add(BuiltCaptures.Tcp(sequence, 0x18, data));
            sequence += (uint)data.Length;
        }

        var stream = new MemoryStream(BuiltCaptures.Pcap(frames));
        var reader = CaptureReader.Open(stream);
        int names = 0;
        using var extractor = new NameExtractor(_ => names++);
        for (int i = 0; i < 100 && reader.TryRead(out CaptureFrame warm); i++)
        {
            extractor.Add(warm);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        long read = 0;
        while (reader.TryRead(out CaptureFrame frame))
        {
            extractor.Add(frame);
            read++;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1, names);
        Assert.True(read > 1800, $"{read} frames read");
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {read} frames");
    }
}

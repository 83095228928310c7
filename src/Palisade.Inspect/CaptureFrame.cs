namespace Palisade.Inspect;

/// <summary>One captured frame: its number in the file (from 1), its link type and the bytes captured. The bytes live
/// in the reader's buffer until the next frame is read.</summary>
/// <param name="Number">The frame number, from 1, as tshark counts.</param>
/// <param name="LinkType">The LINKTYPE_ value of its interface.</param>
/// <param name="TimestampTicks">When it was captured, in .NET ticks since the Unix epoch (0 when unknown).</param>
/// <param name="Data">The captured bytes.</param>
public readonly record struct CaptureFrame(long Number, int LinkType, long TimestampTicks, ReadOnlyMemory<byte> Data);

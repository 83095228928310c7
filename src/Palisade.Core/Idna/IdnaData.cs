namespace Palisade.Core.Idna;

/// <summary>
/// Look-ups into the generated UTS #46 tables (<c>IdnaData.g.cs</c>). Every look-up is a binary search over
/// static read-only data: no allocation, no locks.
/// </summary>
internal static partial class IdnaData
{
    /// <summary>Returns the UTS #46 status of <paramref name="codePoint"/> and, for mapped and deviation code points, its mapping.</summary>
    public static IdnaStatus GetStatus(int codePoint, out ReadOnlySpan<char> mapping)
    {
        ReadOnlySpan<int> starts = RangeStarts;
        int index = starts.BinarySearch(codePoint);
        if (index < 0)
        {
            index = ~index - 1;
        }

        uint value = RangeValues[index];
        int length = (int)((value >> 4) & 0xFF);
        int offset = (int)(value >> 12);
        mapping = MappingData.AsSpan(offset, length);
        return (IdnaStatus)(value & 0xF);
    }

    public static bool IsCombiningMark(int codePoint) => Contains(CombiningMarkBounds, codePoint);

    public static bool IsVirama(int codePoint) => Contains(ViramaBounds, codePoint);

    public static bool IsJoiningLeftOrDual(int codePoint) => Contains(JoiningLeftOrDualBounds, codePoint);

    public static bool IsJoiningTransparent(int codePoint) => Contains(JoiningTransparentBounds, codePoint);

    public static bool IsJoiningRightOrDual(int codePoint) => Contains(JoiningRightOrDualBounds, codePoint);

    /// <summary>Bidi_Class R, AL or AN: a label holding one makes the whole name a "Bidi domain name" (RFC 5893 §1.4).</summary>
    public static bool IsBidiDomainRtl(int codePoint) => Contains(BidiDomainRtlBounds, codePoint);

    public static bool IsBidiLeftToRight(int codePoint) => Contains(BidiLeftToRightBounds, codePoint);

    public static bool IsBidiRightToLeft(int codePoint) => Contains(BidiRightToLeftBounds, codePoint);

    public static bool IsBidiRule2Allowed(int codePoint) => Contains(BidiRule2AllowedBounds, codePoint);

    public static bool IsBidiRule3End(int codePoint) => Contains(BidiRule3EndBounds, codePoint);

    public static bool IsBidiNonSpacingMark(int codePoint) => Contains(BidiNonSpacingMarkBounds, codePoint);

    public static bool IsBidiEuropeanNumber(int codePoint) => Contains(BidiEuropeanNumberBounds, codePoint);

    public static bool IsBidiArabicNumber(int codePoint) => Contains(BidiArabicNumberBounds, codePoint);

    public static bool IsBidiRule5Allowed(int codePoint) => Contains(BidiRule5AllowedBounds, codePoint);

    public static bool IsBidiRule6End(int codePoint) => Contains(BidiRule6EndBounds, codePoint);

    /// <summary>
    /// <paramref name="bounds"/> lists [start, end) pairs; a code point is inside when the number of bounds at or
    /// below it is odd.
    /// </summary>
    private static bool Contains(ReadOnlySpan<int> bounds, int codePoint)
    {
        int index = bounds.BinarySearch(codePoint);
        return index >= 0 ? (index & 1) == 0 : (~index & 1) == 1;
    }
}

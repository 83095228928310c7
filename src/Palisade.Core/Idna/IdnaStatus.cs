namespace Palisade.Core.Idna;

/// <summary>UTS #46 §5 status values, numbered as the generated table stores them.</summary>
internal enum IdnaStatus : byte
{
    Mapped = 1,
    Valid = 2,
    Disallowed = 3,
    Deviation = 6,
    Ignored = 7,
}

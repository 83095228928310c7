using System.Net;

namespace Palisade.Dns;

/// <summary>A zone transfer a configured RPZ secondary (an operator's name server) completed.</summary>
/// <param name="Secondary">Its address.</param>
/// <param name="Serial">The serial it now holds: the registry version.</param>
/// <param name="Kind">AXFR or IXFR.</param>
/// <param name="At">When the transfer completed.</param>
public sealed record RpzSecondaryTransfer(IPAddress Secondary, uint Serial, string Kind, DateTimeOffset At);

namespace Palisade.Dns;

/// <summary>How the server answers a name covered by an order.</summary>
public enum BlockAction
{
    /// <summary>NXDOMAIN (the default): the name does not exist for this resolver's users.</summary>
    NxDomain,

    /// <summary>NOERROR with no answer.</summary>
    NoData,

    /// <summary>The block page's address for A and AAAA queries (NODATA for other types), so browsers show why.</summary>
    BlockPage,
}

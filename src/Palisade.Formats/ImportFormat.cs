using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>The list formats <c>palisade import</c> reads (docs/formats.md).</summary>
public enum ImportFormat
{
    /// <summary>A hosts file: address, then names.</summary>
    Hosts,

    /// <summary>One target per line (names, *.patterns, URLs, prefixes).</summary>
    Domains,

    /// <summary>An RPZ zone file: QNAME and rpz-ip triggers.</summary>
    Rpz,

    /// <summary>CSV with a header naming at least a <c>target</c> column (the export's CSV reads back).</summary>
    Csv,

    /// <summary>The Russian register's operator dump, <c>dump.xml</c> (windows-1251, format 2.4).</summary>
    RknXml,

    /// <summary>The Russian register's community CSV mirror (<c>IP | IP;domain;URL;authority;number;date</c>, cp1251).</summary>
    RknCsv,
}

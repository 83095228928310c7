namespace Palisade.Core.Url;

/// <summary>The percent-encode sets of the WHATWG URL Standard §1.3, each a superset of the one before.</summary>
internal enum PercentEncodeSet
{
    /// <summary>C0 controls and every code point above U+007E.</summary>
    C0Control,
    /// <summary>C0 control set and space " &lt; &gt; `.</summary>
    Fragment,
    /// <summary>C0 control set and space " # &lt; &gt;.</summary>
    Query,
    /// <summary>Query set and '.</summary>
    SpecialQuery,
    /// <summary>Query set and ? ^ ` { }.</summary>
    Path,
    /// <summary>Path set and / : ; = @ [ \ ] |.</summary>
    Userinfo,
    /// <summary>Userinfo set and $ % &amp; + ,.</summary>
    Component,
    /// <summary>Component set and ! ' ( ) ~.</summary>
    FormUrlEncoded,
}

namespace Palisade.Formats.Tests;

/// <summary>Both public forms of the Russian register, written by hand from their descriptions (no real dump is in the
/// tree). Shared with the registry tests, which import them through the command line.</summary>
internal static class RknFixtures
{
    // The operator dump as Roskomnadzor publishes it (format 2.4, windows-1251), written by hand.
    public const string RknXml = """
        <?xml version="1.0" encoding="windows-1251"?>
        <reg:register updateTime="2018-04-17T10:00:00+03:00" updateTimeUrgently="2018-04-17T09:00:00" formatVersion="2.4" xmlns:reg="http://rsoc.ru" xmlns:tns="http://rsoc.ru">
        <content id="1" includeTime="2018-04-16T12:00:00" entryType="1" blockType="domain" hash="A1">
            <decision date="2018-04-13" number="27-31-2018/Ид4412-18" org="суд"/>
            <domain><![CDATA[telegram.org]]></domain>
            <ip>149.154.167.99</ip>
        </content>
        <content id="2" includeTime="2018-04-16T12:00:00" entryType="1" blockType="domain-mask" hash="A2">
            <decision date="2018-04-13" number="27-31-2018/Ид4412-18" org="суд"/>
            <domain><![CDATA[*.t.me]]></domain>
        </content>
        <content id="3" includeTime="2018-04-16T12:00:00" entryType="1" blockType="ip" hash="A3">
            <decision date="2018-04-13" number="27-31-2018/Ид4412-18" org="суд"/>
            <ip>91.108.4.1</ip>
            <ipSubnet>149.154.160.0/20</ipSubnet>
            <ipv6>2001:67c:4e8::1</ipv6>
            <ipv6Subnet>2001:67c:4e8::/48</ipv6Subnet>
            <ipSubnet>10.0.0.1/8</ipSubnet>
        </content>
        <content id="4" includeTime="2019-01-10T08:00:00" entryType="1" hash="A4">
            <decision date="2019-01-09" number="2-6-27/2019-01-09-5-АИ" org="Роскомнадзор"/>
            <url><![CDATA[http://пример.рф/страница пример]]></url>
            <url><![CDATA[https://example.org/film/]]></url>
            <url><![CDATA[http://[::1]:99999/]]></url>
            <domain><![CDATA[пример.рф]]></domain>
            <ip>192.0.2.7</ip>
        </content>
        <content id="5" includeTime="2019-01-10T08:00:00" entryType="1" blockType="domain" hash="A5">
            <decision date="2019-01-09" number="2-6-27/2019-01-09-5-АИ" org="Роскомнадзор"/>
            <domain><![CDATA[bad..name]]></domain>
        </content>
        </reg:register>
        """;

    public const string RknCsv = "Updated: 2019-01-10 08:00:00 +0000\n" +
        "149.154.167.99;telegram.org;;суд;27-31-2018/Ид4412-18;2018-04-13\n" +
        ";*.t.me;;суд;27-31-2018/Ид4412-18;2018-04-13\n" +
        "91.108.4.1 | 149.154.160.0/20;;;суд;27-31-2018/Ид4412-18;2018-04-13\n" +
        "192.0.2.7;пример.рф;http://пример.рф/a;b | https://example.org/film/;Роскомнадзор;2-6-27/2019-01-09-5-АИ;2019-01-09\n" +
        "broken line without fields\n";
}

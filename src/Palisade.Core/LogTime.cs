using System.Globalization;

namespace Palisade.Core;

/// <summary>
/// Times as the log and bundles write them: UTC RFC 3339 with a <c>Z</c>, whole seconds unless milliseconds are
/// present (<c>2026-11-23T12:00:00Z</c>, <c>2026-11-23T12:00:00.250Z</c>). Stored values keep milliseconds.
/// </summary>
public static class LogTime
{
    /// <summary>Formats a time, dropping sub-millisecond precision.</summary>
    public static string Format(DateTimeOffset time) => Format(time.ToUnixTimeMilliseconds());

    /// <summary>Formats milliseconds since the Unix epoch.</summary>
    public static string Format(long unixMilliseconds)
    {
        DateTime utc = DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime;
        return utc.Millisecond == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Parses exactly the form <see cref="Format(long)"/> writes; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out long unixMilliseconds)
    {
        unixMilliseconds = 0;
        if ((text.Length != 20 && text.Length != 24) || text[^1] != 'Z'
            || !DateTime.TryParseExact(text, text.Length == 20 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
                CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime time))
        {
            return false;
        }

        unixMilliseconds = new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeMilliseconds();
        return Format(unixMilliseconds).AsSpan().SequenceEqual(text);
    }
}

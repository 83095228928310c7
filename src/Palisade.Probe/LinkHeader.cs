namespace Palisade.Probe;

/// <summary>
/// Finds the <c>rel="blocked-by"</c> target in an HTTP <c>Link</c> header (RFC 8288 syntax; RFC 7725 §3 defines the
/// relation for a 451 answer). The header comes from whatever answered the probe: its length is bounded and the value
/// is read, never trusted.
/// </summary>
public static class LinkHeader
{
    /// <summary>Longest Link header value read.</summary>
    public const int MaxLength = 8192;

    /// <summary>The URI reference of the first link whose <c>rel</c> includes <c>blocked-by</c>; null when there is none or
    /// the value is malformed.</summary>
    public static string? BlockedBy(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return null;
        }

        int position = 0;
        while (position < value.Length)
        {
            // link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
            position = SkipSpaceAnd(value, position, ',');
            if (position >= value.Length)
            {
                return null;
            }

            if (value[position] != '<')
            {
                return null;
            }

            int close = value.IndexOf('>', position + 1);
            if (close < 0)
            {
                return null;
            }

            string target = value[(position + 1)..close];
            position = close + 1;
            bool blockedBy = false;
            while (true)
            {
                position = SkipSpaceAnd(value, position, '\0');
                if (position >= value.Length || value[position] == ',')
                {
                    break;
                }

                if (value[position] != ';')
                {
                    return null;
                }

                position = SkipSpaceAnd(value, position + 1, '\0');
                int nameStart = position;
                while (position < value.Length && value[position] is not ('=' or ';' or ',') && !char.IsWhiteSpace(value[position]))
                {
                    position++;
                }

                string name = value[nameStart..position];
                string parameter = "";
                position = SkipSpaceAnd(value, position, '\0');
                if (position < value.Length && value[position] == '=')
                {
                    position = SkipSpaceAnd(value, position + 1, '\0');
                    if (position < value.Length && value[position] == '"')
                    {
                        int end = value.IndexOf('"', position + 1);
                        if (end < 0)
                        {
                            return null;
                        }

                        parameter = value[(position + 1)..end];
                        position = end + 1;
                    }
                    else
                    {
                        int start = position;
                        while (position < value.Length && value[position] is not (';' or ','))
                        {
                            position++;
                        }

                        parameter = value[start..position].Trim();
                    }
                }

                if (name.Equals("rel", StringComparison.OrdinalIgnoreCase)
                    && parameter.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(r => r.Equals("blocked-by", StringComparison.OrdinalIgnoreCase)))
                {
                    blockedBy = true;
                }
            }

            if (blockedBy)
            {
                return target;
            }
        }

        return null;
    }

    private static int SkipSpaceAnd(string value, int position, char also)
    {
        while (position < value.Length && (value[position] is ' ' or '\t' || value[position] == also))
        {
            position++;
        }

        return position;
    }
}

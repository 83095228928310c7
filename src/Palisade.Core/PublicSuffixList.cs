using Palisade.Core.Idna;

namespace Palisade.Core;

/// <summary>
/// The Public Suffix List (publicsuffix.org, "Formal algorithm"): normal, wildcard and exception rules from both
/// the ICANN and the PRIVATE sections, with the implicit "*" rule for unlisted top-level domains. Rules are held
/// in their ASCII (A-label) form so they compare directly with <see cref="DomainName"/>.
/// </summary>
public sealed class PublicSuffixList
{
    /// <summary>Where Debian's <c>publicsuffix</c> package installs the list.</summary>
    public const string DebianPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private readonly Dictionary<string, RuleKind> _rules;

    private PublicSuffixList(Dictionary<string, RuleKind> rules, int icannRules, int privateRules)
    {
        _rules = rules;
        IcannRuleCount = icannRules;
        PrivateRuleCount = privateRules;
    }

    [Flags]
    private enum RuleKind : byte
    {
        Normal = 1,
        Wildcard = 2,
        Exception = 4,
        Private = 8,
    }

    /// <summary>Rules read from the ICANN section.</summary>
    public int IcannRuleCount { get; }

    /// <summary>Rules read from the PRIVATE section.</summary>
    public int PrivateRuleCount { get; }

    /// <summary>Reads the list from <paramref name="path"/> (by default Debian's copy).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist; the message names it and the package.</exception>
    public static PublicSuffixList Load(string path = DebianPath)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"the Public Suffix List is not at {path} (install Debian's 'publicsuffix' package or give another path)", path);
        }

        using var reader = File.OpenText(path);
        return Parse(reader);
    }

    /// <summary>Parses the list text (UTF-8 rules, one per line, "//" comments, BEGIN/END PRIVATE markers).</summary>
    /// <exception cref="FormatException">A rule is not a valid name; the message gives its line.</exception>
    public static PublicSuffixList Parse(TextReader reader)
    {
        var rules = new Dictionary<string, RuleKind>(StringComparer.Ordinal);
        bool inPrivate = false;
        int icann = 0, privateCount = 0, lineNumber = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            var text = line.AsSpan().Trim();
            if (text.StartsWith("//"))
            {
                if (text.Contains("===BEGIN PRIVATE DOMAINS===", StringComparison.Ordinal))
                {
                    inPrivate = true;
                }
                else if (text.Contains("===END PRIVATE DOMAINS===", StringComparison.Ordinal))
                {
                    inPrivate = false;
                }

                continue;
            }

            // "Each line is only read up to the first whitespace."
            int space = text.IndexOfAny(' ', '\t');
            if (space >= 0)
            {
                text = text[..space];
            }

            if (text.IsEmpty)
            {
                continue;
            }

            var kind = RuleKind.Normal;
            if (text[0] == '!')
            {
                kind = RuleKind.Exception;
                text = text[1..];
            }
            else if (text.StartsWith("*."))
            {
                kind = RuleKind.Wildcard;
                text = text[2..];
            }

            if (Uts46.ToAscii(text, Uts46Options.Registry, out string? ascii) != IdnaError.None || ascii is null)
            {
                throw new FormatException($"line {lineNumber}: rule '{line}' is not a valid domain name");
            }

            if (inPrivate)
            {
                kind |= RuleKind.Private;
                privateCount++;
            }
            else
            {
                icann++;
            }

            rules[ascii] = rules.TryGetValue(ascii, out var existing) ? existing | kind : kind;
        }

        return new PublicSuffixList(rules, icann, privateCount);
    }

    /// <summary>The public suffix of <paramref name="name"/> (the implicit "*" rule makes this never empty).</summary>
    public DomainName GetPublicSuffix(DomainName name) => DomainName.FromCanonical(name.Value[SuffixStart(name.Value, out _)..]);

    /// <summary>True when <paramref name="name"/> is itself a public suffix (com, co.uk, github.io, …).</summary>
    public bool IsPublicSuffix(DomainName name) => SuffixStart(name.Value, out _) == 0;

    /// <summary>True when the suffix of <paramref name="name"/> comes from the PRIVATE section.</summary>
    public bool IsPrivateSuffix(DomainName name)
    {
        SuffixStart(name.Value, out bool isPrivate);
        return isPrivate;
    }

    /// <summary>The registrable domain (public suffix plus one label), or false when the name is a public suffix.</summary>
    public bool TryGetRegistrableDomain(DomainName name, out DomainName registrable)
    {
        string value = name.Value;
        int start = SuffixStart(value, out _);
        if (start == 0)
        {
            registrable = default;
            return false;
        }

        int labelStart = value.LastIndexOf('.', start - 2) + 1;
        registrable = DomainName.FromCanonical(value[labelStart..]);
        return true;
    }

    /// <summary>Index in <paramref name="name"/> where its public suffix starts.</summary>
    private int SuffixStart(string name, out bool isPrivate)
    {
        // Walk the name's suffixes from the longest: "a.b.c", "b.c", "c". The first match of each kind is the
        // longest rule of that kind; an exception rule wins over every other rule.
        int best = name.LastIndexOf('.') + 1;
        int bestLabels = 1;
        isPrivate = false;
        int start = 0;
        int labels = name.AsSpan().Count('.') + 1;
        while (true)
        {
            string suffix = start == 0 ? name : name[start..];
            if (_rules.TryGetValue(suffix, out var kind))
            {
                if ((kind & RuleKind.Exception) != 0)
                {
                    // The suffix is the exception rule minus its leftmost label.
                    isPrivate = (kind & RuleKind.Private) != 0;
                    return start + suffix.IndexOf('.', StringComparison.Ordinal) + 1;
                }

                if ((kind & RuleKind.Wildcard) != 0 && start > 0 && labels + 1 > bestLabels)
                {
                    best = name.LastIndexOf('.', start - 2) + 1;
                    bestLabels = labels + 1;
                    isPrivate = (kind & RuleKind.Private) != 0;
                }

                if ((kind & RuleKind.Normal) != 0 && labels > bestLabels)
                {
                    best = start;
                    bestLabels = labels;
                    isPrivate = (kind & RuleKind.Private) != 0;
                }
            }

            int dot = name.IndexOf('.', start);
            if (dot < 0)
            {
                break;
            }

            start = dot + 1;
            labels--;
        }

        return best;
    }
}

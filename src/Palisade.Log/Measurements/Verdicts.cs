namespace Palisade.Log.Measurements;

/// <summary>The spelling of each <see cref="Verdict"/> in a measurement's <c>x_palisade_verdict</c>, in the API and in the
/// CLI's output.</summary>
public static class Verdicts
{
    private static readonly string[] s_names = ["enforced", "enforced-unattributed", "not-enforced", "over-blocked", "accessible", "error"];

    /// <summary>Every spelling, in the order of the enum.</summary>
    public static IReadOnlyList<string> Names => s_names;

    /// <summary>The spelling of <paramref name="verdict"/>.</summary>
    public static string Name(Verdict verdict) => (uint)verdict < (uint)s_names.Length ? s_names[(int)verdict] : "error";

    /// <summary>Reads a spelling; false when it names no verdict.</summary>
    public static bool TryParse(string? text, out Verdict verdict)
    {
        int index = Array.IndexOf(s_names, text);
        verdict = index < 0 ? Verdict.Error : (Verdict)index;
        return index >= 0;
    }
}

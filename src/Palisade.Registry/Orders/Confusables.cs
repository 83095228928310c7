using System.Runtime.InteropServices;

namespace Palisade.Registry;

/// <summary>
/// The UTS #39 confusable skeleton of a string (Unicode Security Mechanisms §4): two strings that look alike to a reader
/// have the same skeleton (<c>LOOK-1</c>, <c>LООK-1</c> with Cyrillic О, <c>LOOK-l</c>). It comes from ICU's spoof
/// checker, which the .NET runtime already loads for globalization on Linux, so the confusables data is the one that
/// ICU build ships; nothing of it is copied here.
/// </summary>
internal static class Confusables
{
    private const int BufferOverflowError = 15;

    private static readonly Lazy<Icu> s_icu = new(Icu.Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when ICU's spoof checker can be loaded.</summary>
    public static bool IsAvailable => s_icu.Value.Error is null;

    /// <summary>The key under which lookalikes meet: the skeleton of the NFKC form, so compatibility variants (full-width
    /// <c>ＬＯＯＫ-1</c>, ligatures, superscripts) meet their plain forms as well as the confusables UTS #39 lists.</summary>
    public static string LookalikeKey(string text) => Skeleton(text.Normalize(System.Text.NormalizationForm.FormKC));

    /// <summary>The skeleton of <paramref name="text"/>.</summary>
    /// <exception cref="RegistryConfigurationException">ICU's spoof checker cannot be loaded.</exception>
    public static string Skeleton(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Icu icu = s_icu.Value;
        if (icu.Error is not null)
        {
            throw new RegistryConfigurationException(icu.Error);
        }

        // A skeleton is rarely longer than its text; ICU says how long it is when the buffer is short.
        char[] buffer = new char[text.Length * 2 + 8];
        for (int attempt = 0; ; attempt++)
        {
            int status = 0;
            int length = icu.GetSkeleton!(icu.Checker, 0, text, text.Length, buffer, buffer.Length, ref status);
            if (status == BufferOverflowError && attempt == 0)
            {
                buffer = new char[length];
                continue;
            }

            if (status > 0)
            {
                throw new InvalidOperationException($"ICU's uspoof_getSkeleton failed with error {status}");
            }

            return new string(buffer, 0, length);
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr SpoofOpen(ref int status);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl, CharSet = CharSet.Unicode)]
    private delegate int SpoofGetSkeleton(IntPtr checker, uint type, [MarshalAs(UnmanagedType.LPWStr)] string id, int length,
        [Out] char[] destination, int capacity, ref int status);

    private sealed record Icu(IntPtr Checker, SpoofGetSkeleton? GetSkeleton, string? Error)
    {
        public static Icu Load()
        {
            foreach ((string library, string suffix) in Candidates())
            {
                if (!NativeLibrary.TryLoad(library, out IntPtr handle))
                {
                    continue;
                }

                foreach (string name in new[] { suffix, "" })
                {
                    if (NativeLibrary.TryGetExport(handle, "uspoof_open" + name, out IntPtr open)
                        && NativeLibrary.TryGetExport(handle, "uspoof_getSkeleton" + name, out IntPtr skeleton))
                    {
                        int status = 0;
                        IntPtr checker = Marshal.GetDelegateForFunctionPointer<SpoofOpen>(open)(ref status);
                        if (status > 0 || checker == IntPtr.Zero)
                        {
                            return new Icu(IntPtr.Zero, null, $"ICU's uspoof_open in {library} failed with error {status}");
                        }

                        return new Icu(checker, Marshal.GetDelegateForFunctionPointer<SpoofGetSkeleton>(skeleton), null);
                    }
                }
            }

            return new Icu(IntPtr.Zero, null,
                "ICU's spoof checker (uspoof_getSkeleton in libicui18n) cannot be loaded; the registry needs it to refuse decision numbers that look like one the authority already has (install the libicu package the .NET runtime uses)");
        }

        private static IEnumerable<(string Library, string Suffix)> Candidates()
        {
            // The runtime's own override first (CLR_ICU_VERSION_OVERRIDE, as System.Globalization reads it), then the
            // versions a distribution may ship, newest first; ICU suffixes its exports with the major version.
            if (Environment.GetEnvironmentVariable("CLR_ICU_VERSION_OVERRIDE") is { Length: > 0 } pinned)
            {
                string major = pinned.Split('.')[0];
                yield return ($"libicui18n.so.{pinned}", "_" + major);
            }

            for (int major = 99; major >= 50; major--)
            {
                yield return ($"libicui18n.so.{major}", $"_{major}");
            }

            yield return ("libicui18n.so", "");
            yield return ("libicucore.dylib", "");
            yield return ("icu.dll", "");
        }
    }
}

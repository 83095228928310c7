namespace Palisade.Testing;

/// <summary>
/// Locates <c>../shared/testdata</c> beside the checkout. A test that needs it skips with a clear message when it
/// is absent, and fails when it is absent under <c>CI=true</c> (shared/testdata/README.md).
/// </summary>
public static class TestData
{
    private static readonly Lazy<string?> s_root = new(FindRoot);

    public static string Path(params string[] parts)
    {
        string? root = s_root.Value;
        if (root is null)
        {
            const string Message = "../shared/testdata is not beside this checkout (set PALISADE_TESTDATA to its path)";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(Message + "; under CI=true that is a failure");
            }

            Assert.Skip(Message);
        }

        return System.IO.Path.Combine([root, .. parts]);
    }

    private static string? FindRoot()
    {
        string? configured = Environment.GetEnvironmentVariable("PALISADE_TESTDATA");
        if (!string.IsNullOrEmpty(configured))
        {
            return Directory.Exists(configured) ? configured : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Palisade.slnx")))
            {
                string candidate = System.IO.Path.Combine(dir.FullName, "..", "shared", "testdata");
                return Directory.Exists(candidate) ? System.IO.Path.GetFullPath(candidate) : null;
            }
        }

        return null;
    }
}

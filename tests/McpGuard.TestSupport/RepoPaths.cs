namespace McpGuard.TestSupport;

/// <summary>Paths inside the repository and to the shared corpus beside it, found from the test binary's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>../shared next to the repository (CI clones main with shared/ beside it).</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string Corpus => Path.Combine(Shared, "corpus");

    public static string Fixtures => Path.Combine(Root, "tests", "Fixtures");

    /// <summary>Node fixtures' node_modules, installed by .ci/run (npm ci in tests/Fixtures/node).</summary>
    public static string NodeFixtures => Path.Combine(Fixtures, "node");

    public static string Docs => Path.Combine(Root, "docs");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "McpGuard.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("McpGuard.slnx not found above " + AppContext.BaseDirectory);
    }
}

namespace McpGuard.TestSupport;

/// <summary>Paths inside the repository and to the shared corpus beside it, found from the test binary's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// ../shared next to the repository (CI clones main with shared/ beside it); from a git worktree nested one
    /// level deeper (work/wt/NAME), the nearest ancestor's shared/ folder.
    /// </summary>
    public static string Shared { get; } = FindShared();

    public static string Corpus => Path.Combine(Shared, "corpus");

    public static string Fixtures => Path.Combine(Root, "tests", "Fixtures");

    /// <summary>Node fixtures' node_modules, installed by .ci/run (npm ci in tests/Fixtures/node).</summary>
    public static string NodeFixtures => Path.Combine(Fixtures, "node");

    public static string Docs => Path.Combine(Root, "docs");

    /// <summary>
    /// The synthetic email MCP servers (honest/ 1.0.15, backdoored/ 1.0.16) that `mcpguard demo` ships; tests use the
    /// same files. Their node_modules is installed by .ci/run (npm ci in this folder).
    /// </summary>
    public static string EmailServer => Path.Combine(Root, "src", "McpGuard.Demo", "Assets", "email-server");

    /// <summary>The email servers' node_modules; throws with the install command when it is missing.</summary>
    public static string EmailServerNodeModules
    {
        get
        {
            var modules = Path.Combine(EmailServer, "node_modules");
            if (!Directory.Exists(Path.Combine(modules, "postmark")))
            {
                throw new InvalidOperationException($"{modules} is missing: run 'npm ci --prefix src/McpGuard.Demo/Assets/email-server --ignore-scripts' (or .ci/run).");
            }

            return modules;
        }
    }

    /// <summary>mcpguard.dll of the same configuration as the calling test assembly (built first through a project reference).</summary>
    public static string McpGuardDll
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var dll = Path.Combine(Root, "src", "McpGuard.Cli", "bin", configuration, "net10.0", "mcpguard.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException("mcpguard.dll not built at " + dll);
        }
    }

    private static string FindShared()
    {
        var beside = Path.GetFullPath(Path.Combine(Root, "..", "shared"));
        for (var dir = new DirectoryInfo(Root).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "corpus")))
            {
                return candidate;
            }
        }

        return beside;
    }

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

namespace McpGuard.Cli.Commands;

/// <summary>
/// What a sandboxed server must be able to read of its own code: for <c>node FILE</c>, the nearest folder holding a
/// package.json (or the script's folder) and every node_modules folder Node's resolver would walk up through.
/// </summary>
internal static class PackageTree
{
    public static IReadOnlyList<string> PathsFor(IReadOnlyList<string> command, string workingDirectory)
    {
        if (command.Count < 2 || Path.GetFileNameWithoutExtension(command[0]) is not ("node" or "nodejs"))
        {
            return [];
        }

        // The first argument that is not an option is the entry script (node [options] FILE [args]).
        var script = command.Skip(1).FirstOrDefault(a => !a.StartsWith('-'));
        if (script is null)
        {
            return [];
        }

        var full = Path.GetFullPath(script, workingDirectory);
        if (!File.Exists(full))
        {
            return [];
        }

        var scriptDir = Path.GetDirectoryName(full)!;
        var packageDir = scriptDir;
        for (var d = new DirectoryInfo(scriptDir); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "package.json")))
            {
                packageDir = d.FullName;
                break;
            }
        }

        var paths = new List<string> { packageDir };
        for (var d = new DirectoryInfo(packageDir); d is not null; d = d.Parent)
        {
            var modules = d.Name == "node_modules" ? d.FullName : Path.Combine(d.FullName, "node_modules");
            if (Directory.Exists(modules) && !paths.Contains(modules, StringComparer.Ordinal))
            {
                paths.Add(modules);
            }
        }

        return paths;
    }
}

using McpGuard.Core;
using McpGuard.Verify.Resolution;

namespace McpGuard.Cli.Commands;

/// <summary>
/// What a sandboxed server must be able to read of its own code: for <c>node FILE</c>, the nearest folder holding a
/// package.json (or the script's folder) and every node_modules folder Node's resolver would walk up through; for
/// npx &amp; co., the node_modules folder of the copy npx installed.
/// </summary>
internal static class PackageTree
{
    /// <summary>
    /// The command to run inside a sandbox and the folders to mount read-only for it. A package runner (npx, npm exec,
    /// pnpm dlx...) needs the network to fetch the package, which a sandbox does not have, so it is replaced by
    /// <c>node BIN ARGS</c> on the installed copy (npx cache first), with that copy's node_modules mounted.
    /// </summary>
    /// <exception cref="UserInputException">A package runner whose package is not installed: says how to fetch it.</exception>
    public static (IReadOnlyList<string> Command, IReadOnlyList<string> Paths) ForSandbox(IReadOnlyList<string> command, CliContext context)
    {
        var options = new ResolutionOptions { Home = ScanCommand.UserHome(context), Environment = context.GetEnvironmentVariable };
        var lookup = NpxCacheLaunch.Lookup(command[0], [.. command.Skip(1)], options, context.WorkingDirectory);
        if (lookup is null)
        {
            return (command, PathsFor(command, context.WorkingDirectory, ScanCommand.UserHome(context)));
        }

        if (lookup.Launch is not { } launch)
        {
            var spec = lookup.Requested is null ? lookup.Package : $"{lookup.Package}@{lookup.Requested}";

            // Fail closed: npx inside the sandbox cannot fetch anything, and running it outside would be unconfined.
            throw new UserInputException(
                $"cannot run '{string.Join(' ', command)}' in the sandbox: {lookup.Problem}. The sandbox has no network, so McpGuard " +
                $"runs the copy npx already installed. Fetch it first without running it (install scripts off): " +
                $"npm exec --yes --ignore-scripts --package={spec} -- node -e 0");
        }

        context.Error.WriteLine(
            $"mcpguard: sandbox: running {launch.Name}@{launch.Version} from {launch.NodeModules} with node ({Path.GetRelativePath(launch.PackageFolder, launch.BinScript)}); " +
            (launch.Pinned ? "npx itself is not run (it would need the network)." : "the launch names no version, so this is the newest installed copy, not necessarily the registry's latest."));
        return (["node", launch.BinScript, .. launch.ServerArgs], [launch.NodeModules]);
    }

    /// <summary>
    /// For <c>node FILE</c>: the package folder and the node_modules folders above it. When the nearest package.json is
    /// missing, or sits in a folder that holds far more than one program (/, the home folder, the temp folder), only
    /// the script file itself is mounted: a script in ~ or /tmp must not expose everything next to it.
    /// </summary>
    public static IReadOnlyList<string> PathsFor(IReadOnlyList<string> command, string workingDirectory, string? home = null)
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
        string? packageDir = null;
        for (var d = new DirectoryInfo(scriptDir); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "package.json")))
            {
                packageDir = d.FullName;
                break;
            }
        }

        // Fail closed: a folder shared by many programs and files is never mounted whole; --ro adds what is missing.
        string[] tooBroad = ["/", "/tmp", Path.TrimEndingDirectorySeparator(Path.GetTempPath()), .. home is null ? Array.Empty<string>() : [Path.TrimEndingDirectorySeparator(home)]];
        var paths = new List<string> { packageDir is null || tooBroad.Contains(packageDir, StringComparer.Ordinal) ? full : packageDir };
        packageDir ??= scriptDir;
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

using McpGuard.Verify.Discovery;

namespace McpGuard.Verify.Resolution;

/// <summary><c>node path/to/file.js</c>: the package is the nearest package.json above the file.</summary>
internal static class NodeFileLaunch
{
    private static readonly HashSet<string> s_valueOptions = new(StringComparer.Ordinal)
    {
        "-r", "--require", "--import", "--loader", "--experimental-loader", "--env-file", "--conditions", "-C",
        "--inspect-port", "--title", "--max-old-space-size",
    };

    public static string? ScriptPath(IReadOnlyList<string> args)
    {
        var (options, first) = CommandLine.Scan(args, 0, s_valueOptions);

        // -e / -p run inline code: there is no file to resolve.
        if (options.Any(o => o.Name is "-e" or "--eval" or "-p" or "--print"))
        {
            return null;
        }

        return first >= 0 && args[first] != "run" ? args[first] : null;
    }

    public static ResolvedPackage Resolve(string script, DiscoveredServer server, ResolutionOptions options)
    {
        var baseDir = server.WorkingDirectory ?? server.ProjectPath ?? options.Home;
        var path = script.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(options.Home, script[2..])
            : Path.GetFullPath(script, Path.IsPathRooted(baseDir) ? baseDir : options.Home);
        for (var dir = Path.GetDirectoryName(path); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var pj = Path.Combine(dir, "package.json");
            if (File.Exists(pj))
            {
                var (name, version) = NpmInstallLocator.ReadPackageJson(pj);
                if (name is not null)
                {
                    var copy = version is null ? null : new InstalledCopy(version, pj, "local folder", File.GetLastWriteTimeUtc(pj));

                    // Local code does not update itself, so it counts as pinned to what is on disk.
                    return new ResolvedPackage
                    {
                        Ecosystem = "npm",
                        Name = name,
                        Requested = version,
                        Pinned = true,
                        Installed = copy,
                        InstalledCopies = copy is null ? [] : [copy],
                    };
                }
            }
        }

        return new ResolvedPackage { Ecosystem = "local", Name = path, Pinned = true };
    }
}

using McpGuard.Verify.Discovery;

namespace McpGuard.Verify.Resolution;

/// <summary>
/// Turns a configured server into what really runs: unwraps <c>mcpguard run -- ...</c> and <c>cmd /c ...</c>,
/// recognises package runners (npx & co., uvx/pipx, docker, node FILE) and finds the installed version.
/// One instance per scan (it caches folder listings).
/// </summary>
public sealed class LaunchResolver(ResolutionOptions options)
{
    private readonly NpmInstallLocator _npm = new(options);

    public ResolutionOptions Options => options;

    public ResolvedLaunch Resolve(DiscoveredServer server)
    {
        if (server.Command is null)
        {
            return new ResolvedLaunch { Server = server, Kind = server.Url is null ? "unknown" : "remote" };
        }

        var (command, args, guarded) = Unwrap(server.Command, server.Args);
        var baseName = CommandLine.BaseName(command);
        var project = server.WorkingDirectory ?? server.ProjectPath;

        var npmStart = NpmLaunch.RunnerStart(baseName, args);
        if (npmStart >= 0)
        {
            var (spec, _) = NpmLaunch.Parse(args, npmStart);
            return Launch(server, "npx", command, args, guarded, spec is { } s ? NpmPackage(s, project, server.Env) : null);
        }

        var pyStart = PythonLaunch.RunnerStart(baseName, args);
        if (pyStart >= 0)
        {
            return Launch(server, baseName == "pipx" ? "pipx" : "uvx", command, args, guarded, PythonLaunch.Parse(args, pyStart));
        }

        var dockerStart = DockerLaunch.RunnerStart(baseName, args);
        if (dockerStart >= 0)
        {
            return Launch(server, "docker", command, args, guarded, DockerLaunch.Parse(args, dockerStart));
        }

        if (baseName is "node" or "nodejs" or "bun" or "deno" && NodeFileLaunch.ScriptPath(args) is { } script)
        {
            return Launch(server, "node", command, args, guarded, NodeFileLaunch.Resolve(script, server, options));
        }

        return Launch(server, "command", command, args, guarded, null);
    }

    private static ResolvedLaunch Launch(DiscoveredServer s, string kind, string command, IReadOnlyList<string> args, bool guarded, ResolvedPackage? package) =>
        new() { Server = s, Kind = kind, Command = command, Args = args, Guarded = guarded, Package = package };

    private ResolvedPackage NpmPackage(NpmSpec spec, string? project, IReadOnlyDictionary<string, string> env)
    {
        if (!spec.IsRegistryPackage)
        {
            return new ResolvedPackage { Ecosystem = "local", Name = spec.Name, Requested = spec.Name, Pinned = false };
        }

        var copies = _npm.FindCopies(spec.Name, project, env);
        var chosen = ChooseCopy(copies, spec);
        return new ResolvedPackage
        {
            Ecosystem = "npm",
            Name = spec.Name,
            Requested = spec.Pinned ? spec.Requested!.TrimStart('=', 'v') : spec.Requested,
            Pinned = spec.Pinned,
            Installed = chosen,
            InstalledCopies = copies,
        };
    }

    /// <summary>A pinned launch runs the copy of that version; an unpinned one runs the first copy npx finds.</summary>
    internal static InstalledCopy? ChooseCopy(IReadOnlyList<InstalledCopy> copies, NpmSpec spec) => spec.Pinned
        ? copies.FirstOrDefault(c => string.Equals(c.Version, spec.Requested?.TrimStart('=', 'v'), StringComparison.Ordinal))
        : copies.FirstOrDefault();

    /// <summary>
    /// Strips wrappers so the real server command is analysed: <c>mcpguard run [options] -- cmd ...</c> (Guarded),
    /// <c>dotnet mcpguard run ... -- cmd</c>, and Windows' <c>cmd /c cmd ...</c>.
    /// </summary>
    internal static (string Command, IReadOnlyList<string> Args, bool Guarded) Unwrap(string command, IReadOnlyList<string> args)
    {
        var guarded = false;
        for (var depth = 0; depth < 4; depth++)
        {
            var baseName = CommandLine.BaseName(command);
            if (baseName == "cmd" && args.Count > 1 && args[0].Equals("/c", StringComparison.OrdinalIgnoreCase))
            {
                (command, args) = (args[1], args.Skip(2).ToArray());
                continue;
            }

            var runAt = baseName == "mcpguard" ? 0
                : baseName == "dotnet" && args.Count > 0 && args[0] == "mcpguard" ? 1
                : baseName == "dotnet" && args.Count > 2 && args[0] == "tool" && args[1] == "run" && args[2] == "mcpguard" ? 3
                : -1;
            if (runAt >= 0 && args.Count > runAt && args[runAt] == "run")
            {
                var dashDash = args.Skip(runAt + 1).ToList().IndexOf("--");
                if (dashDash >= 0 && runAt + 1 + dashDash + 1 < args.Count)
                {
                    var inner = runAt + 1 + dashDash + 1;
                    (command, args, guarded) = (args[inner], args.Skip(inner + 1).ToArray(), true);
                    continue;
                }
            }

            break;
        }

        return (command, args, guarded);
    }
}

using McpGuard.Core.Text;
using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Install;

/// <summary>
/// The install decision for one launch, whatever the config format: wrap it in <c>mcpguard run --</c>, or remove
/// that wrapper again. Both return null when there is nothing to do, which makes install and undo idempotent.
/// </summary>
/// <remarks>
/// <c>mcpguard run</c> hands the server only a few basics plus the variables named by <c>--pass-env</c> (and those a
/// <c>--pass-env-file</c> names), while the client sets the entry's <c>env</c> map (and VS Code the variables of its
/// <c>envFile</c>) for the process it starts, which after install is mcpguard. So the wrapper names every variable of
/// that map (names only, never values) and passes the envFile path on, or the server would start without its token.
/// </remarks>
public static class GuardWrapper
{
    private const string PassEnvOption = "--pass-env";
    private const string PassEnvFileOption = "--pass-env-file";

    /// <summary>
    /// <c>command args</c> (env map <c>A</c>, <c>B</c>, envFile <c>F</c>) → <c>guardCommand run --pass-env A --pass-env B
    /// --pass-env-file F -- command args</c>. An entry already guarded is left as is, except that the wrapper install
    /// writes gets the <c>--pass-env</c> / <c>--pass-env-file</c> options an older install (or a later change to the
    /// entry) left out; null when nothing changes. Env names that are not valid variable names cannot be passed and
    /// are reported in <paramref name="notes"/>.
    /// </summary>
    public static LaunchEdit? Wrap(ServerLaunch launch, string guardCommand, ICollection<string>? notes = null)
    {
        var names = PassableNames(launch.EnvNames, notes);
        var envFiles = PassableEnvFile(launch.EnvFile, notes);
        if (LaunchResolver.Unwrap(launch.Command, launch.Args).Guarded)
        {
            return AddMissingOptions(launch, names, envFiles, notes);
        }

        return new LaunchEdit(launch with { Command = guardCommand, Args = ["run", .. Options(names, envFiles), "--", launch.Command, .. launch.Args] }, "guarded");
    }

    /// <summary>
    /// Removes only the wrapper install adds, <c>mcpguard run [options] -- &lt;command&gt; &lt;args&gt;</c> (its
    /// <c>--pass-env</c> and <c>--pass-env-file</c> options included); null for any other launch (a
    /// <c>dotnet mcpguard</c> or <c>cmd /c</c> wrapper the user wrote stays).
    /// </summary>
    public static LaunchEdit? Unwrap(ServerLaunch launch)
    {
        if (InstalledWrapperEnd(launch) is not { } dashDash)
        {
            return null;
        }

        return new LaunchEdit(launch with { Command = launch.Args[dashDash + 1], Args = launch.Args.Skip(dashDash + 2).ToArray() }, "unguarded");
    }

    /// <summary>The index of the <c>--</c> of the wrapper install writes (<c>mcpguard run [options] -- command ...</c>), else null.</summary>
    private static int? InstalledWrapperEnd(ServerLaunch launch)
    {
        var args = launch.Args;
        var dashDash = args.ToList().IndexOf("--");
        return CommandLine.BaseName(launch.Command) == "mcpguard" && args.Count > 0 && args[0] == "run" && dashDash > 0 && dashDash + 1 < args.Count
            ? dashDash
            : null;
    }

    private static List<string> PassableNames(IReadOnlyList<string> envNames, ICollection<string>? notes)
    {
        var names = new List<string>();
        foreach (var name in envNames.Distinct(StringComparer.Ordinal))
        {
            if (EnvironmentVariableName.IsValid(name))
            {
                names.Add(name);
            }
            else
            {
                // Fail visible: the client may still set it for mcpguard, but --pass-env could not name it; say so.
                notes?.Add($"env name '{Printable(name)}' is not a valid environment variable name (letters, digits and _ only), so mcpguard run does not pass it to the server");
            }
        }

        return names;
    }

    /// <summary>
    /// The entry's envFile as a <c>--pass-env-file</c> value, verbatim. VS Code substitutes <c>${workspaceFolder}</c> and
    /// the other predefined variables in args exactly as in envFile: "You can use predefined variables in the server
    /// configuration" (code.visualstudio.com/docs/copilot/reference/mcp-configuration), and in its source
    /// (microsoft/vscode src/vs/workbench/contrib/mcp/common/mcpRegistry.ts, <c>_replaceVariablesInLaunch</c>) one
    /// resolver pass runs over the whole serialized launch (command, args, env, envFile, cwd) before the extension host
    /// reads envFile and spawns the process (api/node/extHostMcpNode.ts). So run reads the very file VS Code read. Any
    /// other JSON client with an envFile key is treated the same; one that did not substitute in args would hand run
    /// the literal path, which run refuses with an error naming it (exit 2): visible, never a silent start without the
    /// variables. Empty when there is no envFile or it cannot be written as an option value.
    /// </summary>
    private static List<string> PassableEnvFile(string? envFile, ICollection<string>? notes)
    {
        if (envFile is null)
        {
            return [];
        }

        if (string.IsNullOrWhiteSpace(envFile) || envFile.StartsWith('-'))
        {
            // Fail visible: the client may still set its variables for mcpguard, but run would not pass them on.
            notes?.Add($"envFile '{Printable(envFile)}' cannot be given to mcpguard run as --pass-env-file, so the variables it sets are not passed to the server; name each of them in env");
            return [];
        }

        return [envFile];
    }

    private static LaunchEdit? AddMissingOptions(ServerLaunch launch, List<string> names, List<string> envFiles, ICollection<string>? notes)
    {
        if (InstalledWrapperEnd(launch) is not { } dashDash)
        {
            // A wrapper the user wrote (dotnet mcpguard, cmd /c mcpguard) is theirs to change: name what it lacks.
            var lackingNames = names.Except(Passed(launch.Args, PassEnvOption)).ToList();
            var lackingFiles = envFiles.Except(Passed(launch.Args, PassEnvFileOption)).ToList();
            if (lackingNames.Count + lackingFiles.Count > 0)
            {
                var what = lackingNames.Concat(lackingFiles.Select(f => $"the variables of envFile {Printable(f)}"));
                notes?.Add($"starts through a mcpguard wrapper install did not write, which does not pass {string.Join(", ", what)}; add {Printable(string.Join(" ", Options(lackingNames, lackingFiles)))} to its run options");
            }

            return null;
        }

        var runOptions = launch.Args.Take(dashDash).ToList();
        if (launch.EnvFile is not null)
        {
            // Left in place (it may be one the user added), but named: run refuses to start when that file is gone.
            foreach (var other in Passed(runOptions, PassEnvFileOption).Where(f => f != launch.EnvFile).Order(StringComparer.Ordinal))
            {
                notes?.Add($"its wrapper passes --pass-env-file {Printable(other)}, which is not its envFile; if that file is gone, mcpguard run refuses to start the server, so remove the option");
            }
        }

        var missing = Options(names.Except(Passed(runOptions, PassEnvOption)), envFiles.Except(Passed(runOptions, PassEnvFileOption))).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        // Inserted right before "--", so undo (which drops everything between run and --) still restores the original.
        return new LaunchEdit(launch with { Args = [.. runOptions, .. missing, .. launch.Args.Skip(dashDash)] }, $"added {Printable(string.Join(" ", missing))} to");
    }

    /// <summary>The values given to <paramref name="option"/> in <paramref name="args"/>, in each spelling the run command accepts.</summary>
    private static HashSet<string> Passed(IEnumerable<string> args, string option)
    {
        var passed = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var arg in args)
        {
            if (previous == option)
            {
                passed.Add(arg);
            }
            else if (arg.StartsWith(option + "=", StringComparison.Ordinal) || arg.StartsWith(option + ":", StringComparison.Ordinal))
            {
                passed.Add(arg[(option.Length + 1)..]);
            }

            previous = arg;
        }

        return passed;
    }

    private static IEnumerable<string> Options(IEnumerable<string> names, IEnumerable<string> envFiles) =>
        names.SelectMany(n => new[] { PassEnvOption, n }).Concat(envFiles.SelectMany(f => new[] { PassEnvFileOption, f }));

    // A config key can hold anything; a note shows it on one line.
    private static string Printable(string name) => string.Concat(name.Select(c => char.IsControl(c) ? '?' : c));
}

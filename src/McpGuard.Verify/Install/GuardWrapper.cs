using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Install;

/// <summary>
/// The install decision for one launch, whatever the config format: wrap it in <c>mcpguard run --</c>, or remove
/// that wrapper again. Both return null when there is nothing to do, which makes install and undo idempotent.
/// </summary>
/// <remarks>
/// <c>mcpguard run</c> hands the server only a few basics plus the variables named by <c>--pass-env</c>, while the
/// client sets the entry's <c>env</c> map for the process it starts, which after install is mcpguard. So the wrapper
/// names every variable of that map (names only, never values) or the server would start without its token.
/// </remarks>
public static class GuardWrapper
{
    private const string PassEnvOption = "--pass-env";

    /// <summary>
    /// <c>command args</c> (env map <c>A</c>, <c>B</c>) → <c>guardCommand run --pass-env A --pass-env B -- command args</c>.
    /// An entry already guarded is left as is, except that the wrapper install writes gets the <c>--pass-env</c>
    /// options an older install (or a later change to the env map) left out; null when nothing changes. Env names
    /// that are not valid variable names cannot be passed and are reported in <paramref name="notes"/>.
    /// </summary>
    public static LaunchEdit? Wrap(ServerLaunch launch, string guardCommand, ICollection<string>? notes = null)
    {
        var names = PassableNames(launch.EnvNames, notes);
        if (LaunchResolver.Unwrap(launch.Command, launch.Args).Guarded)
        {
            return AddMissingPassEnv(launch, names, notes);
        }

        if (launch.EnvFile is { } envFile)
        {
            // The client reads that file itself (with its own ${...} variables); only the names listed in env get passed.
            notes?.Add($"sets variables from envFile {Printable(envFile)}, which mcpguard run does not pass to the server; name each of them in env (or add --pass-env NAME to the wrapper)");
        }

        return new LaunchEdit(launch with { Command = guardCommand, Args = ["run", .. PassEnvOptions(names), "--", launch.Command, .. launch.Args] }, "guarded");
    }

    /// <summary>
    /// Removes only the wrapper install adds, <c>mcpguard run [options] -- &lt;command&gt; &lt;args&gt;</c> (its
    /// <c>--pass-env</c> options included); null for any other launch (a <c>dotnet mcpguard</c> or <c>cmd /c</c>
    /// wrapper the user wrote stays).
    /// </summary>
    public static LaunchEdit? Unwrap(ServerLaunch launch)
    {
        if (InstalledWrapperEnd(launch) is not { } dashDash)
        {
            return null;
        }

        return new LaunchEdit(launch with { Command = launch.Args[dashDash + 1], Args = launch.Args.Skip(dashDash + 2).ToArray() }, "unguarded");
    }

    /// <summary>A POSIX environment variable name (letters, digits, underscore; no leading digit): what a shell and <c>--pass-env</c> can name.</summary>
    internal static bool IsValidName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

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
            if (IsValidName(name))
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

    private static LaunchEdit? AddMissingPassEnv(ServerLaunch launch, List<string> names, ICollection<string>? notes)
    {
        if (InstalledWrapperEnd(launch) is not { } dashDash)
        {
            // A wrapper the user wrote (dotnet mcpguard, cmd /c mcpguard) is theirs to change: name what it lacks.
            var lacking = names.Except(PassedNames(launch.Args)).ToList();
            if (lacking.Count > 0)
            {
                notes?.Add($"starts through a mcpguard wrapper install did not write, which does not pass {string.Join(", ", lacking)}; add {string.Join(" ", PassEnvOptions(lacking))} to its run options");
            }

            return null;
        }

        var missing = names.Except(PassedNames(launch.Args.Take(dashDash))).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        // Inserted right before "--", so undo (which drops everything between run and --) still restores the original.
        var options = PassEnvOptions(missing);
        return new LaunchEdit(launch with { Args = [.. launch.Args.Take(dashDash), .. options, .. launch.Args.Skip(dashDash)] }, $"added {string.Join(" ", options)} to");
    }

    /// <summary>The names given to <c>--pass-env</c> in <paramref name="args"/>, in each spelling the run command accepts.</summary>
    private static HashSet<string> PassedNames(IEnumerable<string> args)
    {
        var passed = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var arg in args)
        {
            if (previous == PassEnvOption)
            {
                passed.Add(arg);
            }
            else if (arg.StartsWith(PassEnvOption + "=", StringComparison.Ordinal) || arg.StartsWith(PassEnvOption + ":", StringComparison.Ordinal))
            {
                passed.Add(arg[(PassEnvOption.Length + 1)..]);
            }

            previous = arg;
        }

        return passed;
    }

    private static IEnumerable<string> PassEnvOptions(IEnumerable<string> names) => names.SelectMany(n => new[] { PassEnvOption, n });

    // A config key can hold anything; a note shows it on one line.
    private static string Printable(string name) => string.Concat(name.Select(c => char.IsControl(c) ? '?' : c));
}

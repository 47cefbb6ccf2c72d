namespace McpGuard.Verify.Resolution;

/// <summary>
/// npx, npm exec / npm x, pnpm dlx / pnpx, yarn dlx, bunx / bun x: the package to fetch-and-run, from
/// <c>--package=</c>/<c>-p</c> or the first positional argument, and the arguments passed to the server.
/// </summary>
internal static class NpmLaunch
{
    private static readonly HashSet<string> s_valueOptions = new(StringComparer.Ordinal)
    {
        "-p", "--package", "-c", "--call", "--cache", "--registry", "--userconfig", "--prefix", "-w", "--workspace",
        "--node-options", "--shell", "--script-shell",
    };

    /// <summary>The index where the npm-style arguments start, or -1 when this command is not a package runner.</summary>
    public static int RunnerStart(string baseName, IReadOnlyList<string> args) => baseName switch
    {
        "npx" or "bunx" or "pnpx" => 0,
        "npm" when args.Count > 0 && args[0] is "exec" or "x" => 1,
        "pnpm" when args.Count > 0 && args[0] is "dlx" or "exec" => 1,
        "yarn" when args.Count > 0 && args[0] is "dlx" => 1,
        "bun" when args.Count > 0 && args[0] is "x" => 1,
        _ => -1,
    };

    /// <summary>
    /// Where <see cref="Parse"/> found the package spec: the argument's index and the text before the spec in it
    /// ("--package=" or ""), so that a caller can rewrite the spec in place; null when there is none.
    /// </summary>
    public static (int Index, string Prefix)? SpecIndex(IReadOnlyList<string> args, int start)
    {
        (int, string)? package = null;
        for (var i = start; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                return package ?? (i + 1 < args.Count ? (i + 1, "") : null);
            }

            if (!a.StartsWith('-') || a == "-")
            {
                return package ?? (i, "");
            }

            if (a.StartsWith("--package=", StringComparison.Ordinal))
            {
                package ??= (i, "--package=");
            }
            else if (a is "-p" or "--package" && i + 1 < args.Count)
            {
                package ??= (i + 1, "");
                i++;
            }
            else if (!a.Contains('=', StringComparison.Ordinal) && s_valueOptions.Contains(a))
            {
                i++;
            }
        }

        return package;
    }

    public static (NpmSpec? Spec, IReadOnlyList<string> ServerArgs) Parse(IReadOnlyList<string> args, int start)
    {
        var (spec, _, serverArgs) = ParseWithBin(args, start);
        return (spec, serverArgs);
    }

    /// <summary>As <see cref="Parse"/>, plus the bin named explicitly after <c>--package</c> (null when the package's own bin runs).</summary>
    public static (NpmSpec? Spec, string? Bin, IReadOnlyList<string> ServerArgs) ParseWithBin(IReadOnlyList<string> args, int start)
    {
        var (options, first) = CommandLine.Scan(args, start, s_valueOptions);
        var package = options.FirstOrDefault(o => o.Name is "-p" or "--package" && o.Value is not null).Value;
        if (package is not null)
        {
            // --package names what to install; the positional is then only the bin to run.
            return (NpmSpec.Parse(package), first >= 0 ? args[first] : null, first >= 0 ? args.Skip(first + 1).ToArray() : []);
        }

        return first < 0 ? (null, null, []) : (NpmSpec.Parse(args[first]), null, args.Skip(first + 1).ToArray());
    }
}

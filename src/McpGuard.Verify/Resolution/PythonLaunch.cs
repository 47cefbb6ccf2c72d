using NuGet.Versioning;

namespace McpGuard.Verify.Resolution;

/// <summary>uvx / uv tool run and pipx run: a PyPI package, pinned only by <c>==version</c> (or uv's <c>@version</c>).</summary>
internal static class PythonLaunch
{
    private static readonly HashSet<string> s_valueOptions = new(StringComparer.Ordinal)
    {
        "--from", "--with", "--with-editable", "--with-requirements", "-p", "--python", "--index", "--index-url",
        "--extra-index-url", "--default-index", "-f", "--find-links", "--spec", "--pip-args", "--constraints", "-c",
        "--cache-dir", "--directory", "--project", "--env-file",
    };

    public static int RunnerStart(string baseName, IReadOnlyList<string> args) => baseName switch
    {
        "uvx" => 0,
        "uv" when args.Count > 1 && args[0] == "tool" && args[1] is "run" => 2,
        "pipx" when args.Count > 0 && args[0] == "run" => 1,
        _ => -1,
    };

    public static ResolvedPackage? Parse(IReadOnlyList<string> args, int start)
    {
        var (options, first) = CommandLine.Scan(args, start, s_valueOptions);
        var spec = options.FirstOrDefault(o => o.Name is "--from" or "--spec" && o.Value is not null).Value
                   ?? (first >= 0 ? args[first] : null);
        return spec is null ? null : ParseSpec(spec);
    }

    /// <summary>"name", "name==1.2.3", "name[extra]==1.2.3", "name@1.2.3" (uv), "name>=1" (a range).</summary>
    public static ResolvedPackage ParseSpec(string spec)
    {
        var opIndex = spec.IndexOfAny(['=', '<', '>', '~', '!', '@', ';', ' ']);
        var name = (opIndex < 0 ? spec : spec[..opIndex]).Trim();
        var bracket = name.IndexOf('[');
        if (bracket > 0)
        {
            name = name[..bracket];
        }

        string? requested = opIndex < 0 ? null : spec[opIndex..].Trim();
        string? exact = null;
        if (requested is not null)
        {
            var v = requested.StartsWith("===", StringComparison.Ordinal) ? requested[3..]
                : requested.StartsWith("==", StringComparison.Ordinal) ? requested[2..]
                : requested.StartsWith('@') ? requested[1..]
                : null;
            if (v is not null && !v.Contains('*', StringComparison.Ordinal) && NuGetVersion.TryParse(v.Trim(), out _))
            {
                exact = v.Trim();
            }
        }

        return new ResolvedPackage
        {
            Ecosystem = "pypi",
            Name = name,
            Requested = exact ?? (requested is { Length: > 0 } r && r != "@latest" ? r : requested == "@latest" ? "latest" : null),
            Pinned = exact is not null,
        };
    }
}

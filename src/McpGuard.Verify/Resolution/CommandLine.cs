namespace McpGuard.Verify.Resolution;

/// <summary>Small helpers for reading launch command lines.</summary>
internal static class CommandLine
{
    /// <summary>"C:\\x\\npx.cmd" and "/usr/bin/npx" are both "npx".</summary>
    public static string BaseName(string command)
    {
        var name = command.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..].ToLowerInvariant();
        foreach (var ext in new[] { ".exe", ".cmd", ".bat", ".ps1" })
        {
            if (name.EndsWith(ext, StringComparison.Ordinal))
            {
                return name[..^ext.Length];
            }
        }

        return name;
    }

    /// <summary>
    /// Splits options from the first positional argument. <paramref name="valueOptions"/> take the next argument
    /// (unless written --opt=value); anything after "--" is positional.
    /// </summary>
    public static (List<(string Name, string? Value)> Options, int FirstPositional) Scan(IReadOnlyList<string> args, int start, ISet<string> valueOptions)
    {
        var options = new List<(string, string?)>();
        for (var i = start; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                return (options, i + 1 < args.Count ? i + 1 : -1);
            }

            if (!a.StartsWith('-') || a == "-")
            {
                return (options, i);
            }

            var eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                options.Add((a[..eq], a[(eq + 1)..]));
            }
            else if (valueOptions.Contains(a) && i + 1 < args.Count)
            {
                options.Add((a, args[++i]));
            }
            else
            {
                options.Add((a, null));
            }
        }

        return (options, -1);
    }
}

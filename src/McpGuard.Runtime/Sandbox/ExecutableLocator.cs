namespace McpGuard.Runtime.Sandbox;

/// <summary>Finds executables on a PATH string, like the shell does (first executable match wins).</summary>
internal static class ExecutableLocator
{
    public static string? Find(string name, string? pathVariable = null)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(name);
            return IsExecutable(full) ? full : null;
        }

        var path = pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The path with every symlink along it resolved (like realpath(3)); the input if it cannot be resolved.</summary>
    public static string RealPath(string path)
    {
        var pending = new Queue<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        // 40 hops like the kernel's MAXSYMLINKS: a loop must not hang the launcher.
        for (var hops = 0; pending.Count > 0;)
        {
            var next = Path.Combine(current, pending.Dequeue());
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
            }

            if (target is null)
            {
                current = next;
                continue;
            }

            if (++hops > 40)
            {
                return path;
            }

            var resolved = Path.GetFullPath(target, current);
            var rest = pending.ToArray();
            pending = new Queue<string>(resolved.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest));
            current = "/";
        }

        return current;
    }

    private static bool IsExecutable(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}

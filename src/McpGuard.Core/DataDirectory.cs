namespace McpGuard.Core;

/// <summary>
/// Where McpGuard keeps its own state (the audit database, caches): <c>MCPGUARD_HOME</c> when set, else
/// <c>$XDG_DATA_HOME/mcpguard</c>, else <c>~/.local/share/mcpguard</c>. One place so every area agrees.
/// </summary>
public static class DataDirectory
{
    public const string HomeVariable = "MCPGUARD_HOME";

    /// <summary>Resolves the folder without creating it. <paramref name="getEnvironmentVariable"/> is injectable for tests.</summary>
    public static string Resolve(Func<string, string?>? getEnvironmentVariable = null)
    {
        var env = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        var explicitHome = env(HomeVariable);
        if (!string.IsNullOrWhiteSpace(explicitHome))
        {
            return Path.GetFullPath(explicitHome);
        }

        // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
        var xdg = env("XDG_DATA_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "mcpguard");
        }

        var home = env("HOME");
        if (string.IsNullOrWhiteSpace(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return Path.Combine(home, ".local", "share", "mcpguard");
    }

    /// <summary>
    /// Resolves and creates the folder. New folders are 0700: the audit log records what tools were called with,
    /// which other local users have no business reading. An existing folder's mode is left as the user set it.
    /// </summary>
    public static string EnsureCreated(Func<string, string?>? getEnvironmentVariable = null)
    {
        var dir = Resolve(getEnvironmentVariable);
        CreatePrivate(dir);
        return dir;
    }

    /// <summary>Creates <paramref name="directory"/> (and missing parents) with mode 0700 on Unix.</summary>
    public static void CreatePrivate(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}

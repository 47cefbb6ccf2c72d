namespace McpGuard.Runtime.Egress.Tls;

/// <summary>McpGuard's data folder: <c>MCPGUARD_HOME</c>, else <c>$XDG_DATA_HOME/mcpguard</c>, else ~/.local/share/mcpguard.</summary>
public static class McpGuardHome
{
    public static string Resolve(Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        if (getEnv("MCPGUARD_HOME") is { Length: > 0 } home)
        {
            return Path.GetFullPath(home);
        }

        if (getEnv("XDG_DATA_HOME") is { Length: > 0 } xdg)
        {
            return Path.Combine(Path.GetFullPath(xdg), "mcpguard");
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "mcpguard");
    }

    /// <summary>Creates the folder readable by the user only (it holds the CA key).</summary>
    public static void EnsurePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}

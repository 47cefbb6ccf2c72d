namespace McpGuard.Verify.Discovery;

/// <summary>Where to look. Immutable; <see cref="DiscoveryOptions.Validate"/> checks the folders exist.</summary>
public sealed record DiscoveryOptions
{
    /// <summary>The home folder whose client configs are read (the user's, or --home).</summary>
    public required string Home { get; init; }

    /// <summary>True when Home was given explicitly (--home): then nothing outside it is read implicitly.</summary>
    public bool HomeOverridden { get; init; }

    /// <summary>Extra config files (--config), read whatever client they belong to; the shape is detected.</summary>
    public IReadOnlyList<string> ExtraConfigs { get; init; } = [];

    /// <summary>
    /// Root for machine-wide files (Claude Code's managed-mcp.json under etc/claude-code). "/" for a real scan;
    /// null when --home is given, because another user's home folder carries no copy of this machine's /etc.
    /// </summary>
    public string? SystemRoot { get; init; }

    /// <summary>Extra project folders to check for project configs (the working directory in a real scan).</summary>
    public IReadOnlyList<string> ProjectFolders { get; init; } = [];

    public Func<string, string?> Environment { get; init; } = _ => null;

    /// <summary>Throws <see cref="McpGuard.Core.UserInputException"/> naming the folder or file that is missing.</summary>
    public void Validate()
    {
        if (!Directory.Exists(Home))
        {
            throw new Core.UserInputException($"--home folder not found: {Home}");
        }

        foreach (var c in ExtraConfigs)
        {
            if (!File.Exists(c))
            {
                throw new Core.UserInputException($"--config file not found: {c}");
            }
        }
    }
}
